"""When a resource is open on one local day, as UTC spans.

Weekly hours and exceptions are minutes after local midnight; the location's
zone turns them into instants. On the spring-forward day the skipped wall
times do not exist, so a span simply loses them (its ends snap to the first
wall time after the gap); on the fall-back day a span reaching into the
repeated hour starts at its first occurrence and ends at its second, so that
hour is open twice. On days without a change (all but two a year) the
mapping is plain arithmetic: midnight's instant plus the minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ringback.store.bookings import ExceptionKind, HoursKind, Resource

Span = tuple[int, int]
"""Minutes: after local midnight (wall time), or since the epoch (instants)."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def open_spans(resource: Resource, day: date, kind: HoursKind,
               zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The resource's open spans of that local day as UTC datetimes: the weekly
    hours of its weekday, minus closed exceptions, plus extra hours."""
    weekly = [(h.start_minute, h.end_minute) for h in resource.hours
              if h.kind == kind.value and h.weekday == day.weekday()]
    dated = [(e.kind, e.start_minute, e.end_minute) for e in resource.exceptions
             if e.day == day]
    local = LocalDay(day, zone)
    return [(from_minutes(s), from_minutes(e))
            for s, e in local.instants(open_minutes(weekly, dated))]


def open_minutes(weekly: Iterable[Span],
                 exceptions: Iterable[tuple[str, int | None, int | None]]) -> list[Span]:
    """Wall-time spans of a day: ``weekly`` minus the closed exceptions (one
    without a span closes the whole day), plus the extra ones."""
    spans = union(weekly)
    extra: list[Span] = []
    for kind, start, end in exceptions:
        whole = start is None or end is None
        if kind == ExceptionKind.CLOSED.value:
            spans = [] if whole else subtract(spans, (start, end))  # type: ignore[arg-type]
        elif kind == ExceptionKind.EXTRA.value and not whole:
            extra.append((start, end))  # type: ignore[arg-type]
    return union([*spans, *extra])


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-empty, with overlapping or touching spans merged."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(spans: Iterable[Span], gone: Span) -> list[Span]:
    out: list[Span] = []
    for start, end in spans:
        if end <= gone[0] or start >= gone[1]:
            out.append((start, end))
            continue
        if start < gone[0]:
            out.append((start, gone[0]))
        if end > gone[1]:
            out.append((gone[1], end))
    return out


def to_minutes(when: datetime) -> int:
    """Epoch minutes of an instant (a naive datetime is UTC, as SQLite hands it back)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return int((aware - EPOCH).total_seconds()) // 60


def from_minutes(minutes: int) -> datetime:
    return EPOCH + timedelta(minutes=minutes)


class LocalDay:
    """One calendar day of a zone: its wall minutes as epoch minutes and back."""

    def __init__(self, day: date, zone: ZoneInfo) -> None:
        self.day = day
        self.zone = zone
        self._midnight = datetime.combine(day, time())
        start = self._midnight.replace(tzinfo=zone)
        end = (self._midnight + timedelta(days=1)).replace(tzinfo=zone)
        self.regular = start.utcoffset() == end.utcoffset() and _exists(start) and _exists(end)
        self.base = to_minutes(start)  # meaningful only when regular

    def instant(self, minute: int, *, end: bool = False) -> int:
        """Epoch minute of a wall minute (0..1440) of this day. A wall time in the
        spring gap is the first one after it; a repeated one is its first
        occurrence for a start and its second for an end."""
        if self.regular:
            return self.base + minute
        wall = self._midnight + timedelta(minutes=minute)
        local = wall.replace(tzinfo=self.zone, fold=1 if end else 0)
        while not _exists(local):
            wall += timedelta(minutes=1)
            local = wall.replace(tzinfo=self.zone)
        return to_minutes(local)

    def instants(self, spans: Iterable[Span]) -> list[Span]:
        """Wall-time spans as epoch-minute spans (merged: on the autumn day two
        wall spans may meet in the repeated hour)."""
        return union((self.instant(s), self.instant(e, end=True)) for s, e in spans)

    def wall_minute(self, epoch_minute: int) -> int:
        """Minutes after local midnight of an instant of this day (its wall clock)."""
        if self.regular:
            return epoch_minute - self.base
        local = from_minutes(epoch_minute).astimezone(self.zone)
        return local.hour * 60 + local.minute


def _exists(local: datetime) -> bool:
    """False for a wall time in the spring-forward gap (it comes back changed)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None, fold=0) == local.replace(tzinfo=None, fold=0)
