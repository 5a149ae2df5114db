"""Free slots of a service at a location.

One search reads everything it needs in four queries (the service, the
location's resources with their hours and exceptions, and every active
booking part of those resources in the window), then works in epoch minutes:
each resource's open spans minus its busy spans, starts every
``SLOT_STEP_MINUTES`` from each span's start. A combined service places its
parts back to back, each on a free resource (the previous part's first).
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session

from ringback.booking_bridge.hours import (
    LocalDay,
    Span,
    from_minutes,
    open_minutes,
    to_minutes,
    union,
)
from ringback.clock import Clock
from ringback.console.account_settings import ResourceAvailability
from ringback.errors import NotFound, ValidationError
from ringback.parsing import row_id
from ringback.store.bookings import (
    BookingPart,
    HoursKind,
    Location,
    Resource,
    ResourceException,
    ResourceHours,
    Service,
    ServiceKind,
)
from ringback.store.db import Database

SLOT_STEP_MINUTES = 15
JULIAN_EPOCH = 2440587.5  # julianday('1970-01-01')
TOLERANCE = 1e-4  # minutes
MAX_DAYS = 62
NOON = 12 * 60
FIVE_PM = 17 * 60


class PartOfDay(str, enum.Enum):
    """By the slot's local start: morning before 12:00, evening from 17:00."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    @classmethod
    def of(cls, wall_minute: int) -> PartOfDay:
        if wall_minute < NOON:
            return cls.MORNING
        return cls.AFTERNOON if wall_minute < FIVE_PM else cls.EVENING


@dataclass(frozen=True, slots=True)
class SlotPart:
    """One single service of a slot, on one resource (UTC times)."""

    resource_id: int
    service_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable time (UTC) and the resources its parts would take."""

    starts_at: datetime
    ends_at: datetime
    parts: tuple[SlotPart, ...]

    def local_start(self, zone: ZoneInfo) -> datetime:
        return self.starts_at.astimezone(zone)


def availability_hours(availability: ResourceAvailability) -> HoursKind:
    if availability == ResourceAvailability.WORKING_HOURS:
        return HoursKind.WORKING
    return HoursKind.ONLINE


class SlotFinder:
    """Free slots; the booking book asks it where a chosen start would go."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def free_slots(self, service_id: int, location_id: int, from_day: date, days: int = 7,
                   part_of_day: PartOfDay | None = None,
                   availability: ResourceAvailability = ResourceAvailability.ONLINE_BOOKING_HOURS,
                   exclude_booking_id: int | None = None) -> list[Slot]:
        """Every future free slot of the service at the location, on ``days`` local
        days from ``from_day``, in time order; ``exclude_booking_id``'s own time
        counts as free (rescheduling it)."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise ValidationError({"days": f"must be a whole number from 1 to {MAX_DAYS}"})
        search = self._search(service_id, location_id,
                              [from_day + timedelta(days=n) for n in range(days)],
                              availability, exclude_booking_id)
        return search.all_slots(part_of_day)

    def plan(self, service_id: int, location_id: int, starts: Sequence[datetime],
             availability: ResourceAvailability, exclude_booking_id: int | None = None,
             *, ignore_bookings: bool = False) -> list[Slot | None]:
        """The slot at each start, or None where there is none free. Placed one
        after another: a later start never takes what an earlier one took."""
        zone = self._zone(location_id)
        wanted = [to_minutes(start) for start in starts]
        days = sorted({from_minutes(m).astimezone(zone).date() for m in wanted})
        search = self._search(service_id, location_id, days, availability,
                              exclude_booking_id, ignore_bookings=ignore_bookings)
        placed: list[Slot | None] = []
        for minute in wanted:
            slot = search.slot_at(minute)
            if slot is not None:
                search.take(slot)
            placed.append(slot)
        return placed

    def zone_of(self, location_id: int) -> ZoneInfo:
        return self._zone(location_id)

    def _zone(self, location_id: int) -> ZoneInfo:
        with self._db.session() as session:
            return ZoneInfo(_location(session, location_id).time_zone)

    def _search(self, service_id: int, location_id: int, days: Sequence[date],
                availability: ResourceAvailability, exclude_booking_id: int | None,
                *, ignore_bookings: bool = False) -> _Search:
        kind = availability_hours(ResourceAvailability(availability))
        with self._db.session() as session:
            location = _location(session, location_id)
            parts = _bookable_parts(session, service_id, location.id)
            zone = ZoneInfo(location.time_zone)
            locals_ = [LocalDay(day, zone) for day in days]
            resource_ids = list(session.scalars(
                select(Resource.id).where(Resource.location_id == location.id)
                .order_by(Resource.id)))
            opening = _opening(session, resource_ids, locals_, kind)
            window = (locals_[0].instant(0), locals_[-1].instant(24 * 60, end=True))
            busy = {} if ignore_bookings else read_busy(
                session, resource_ids, window, exclude_booking_id)
        now = int(self._clock.now() // 60) + 1  # only starts after now
        return _Search(parts, resource_ids, locals_, opening, busy, now)


class Busy:
    """One resource's booked time: disjoint spans in time order, kept as two
    lists of ints (a tuple per span would be 5,000 objects more per search for
    the garbage collector to walk)."""

    __slots__ = ("starts", "ends")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def extend(self, start: int, end: int) -> None:
        """Add a span starting no earlier than the last; touching ones merge."""
        if self.ends and start <= self.ends[-1]:
            self.ends[-1] = max(self.ends[-1], end)
        else:
            self.starts.append(start)
            self.ends.append(end)

    def add(self, start: int, end: int) -> None:
        """Add a span anywhere."""
        spans = union([*zip(self.starts, self.ends, strict=True), (start, end)])
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def overlaps(self, start: int, end: int) -> bool:
        # Disjoint and sorted: only the last span starting before ``end`` can
        # reach past ``start``.
        index = bisect_left(self.starts, end)
        return index > 0 and self.ends[index - 1] > start


def read_busy(session: Session, resource_ids: Sequence[int], window: Span,
              exclude_booking_id: int | None = None) -> dict[int, Busy]:
    """The active booking parts of the resources overlapping the window (epoch
    minutes), per resource: one indexed query, whose database turns the times
    into minutes (turning 10,000 datetimes into minutes in Python took longer
    than the query)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    query = (select(BookingPart.resource_id, _minutes(BookingPart.starts_at, sqlite),
                    _minutes(BookingPart.ends_at, sqlite, ceil=True))
             .where(BookingPart.active.is_(True),
                    BookingPart.resource_id.in_(resource_ids),
                    BookingPart.starts_at < from_minutes(window[1]),
                    BookingPart.ends_at > from_minutes(window[0]))
             .order_by(BookingPart.resource_id, BookingPart.starts_at))
    if exclude_booking_id is not None:
        query = query.where(BookingPart.booking_id != exclude_booking_id)
    found: dict[int, Busy] = {}
    for resource_id, start, end in session.execute(query):
        busy = found.get(resource_id)
        if busy is None:
            busy = found[resource_id] = Busy()
        busy.extend(start, end)
    return found


def _minutes(column: Any, sqlite: bool, *, ceil: bool = False) -> ColumnElement[int]:
    """Whole epoch minutes of a stored instant, computed by the database (ends
    rounded up); the tolerance absorbs a float's last digits."""
    if sqlite:  # stored as UTC text; julianday() costs about what reading it does
        minutes = (func.julianday(column) - JULIAN_EPOCH) * 1440
        # CAST truncates: up by almost a minute for the end, a hair for the start.
        return cast(minutes + (1 - TOLERANCE if ceil else TOLERANCE), Integer)
    minutes = func.extract("epoch", column) / 60
    rounded = func.ceil(minutes - TOLERANCE) if ceil else func.floor(minutes + TOLERANCE)
    return cast(rounded, Integer)


def _location(session: Session, location_id: int) -> Location:
    key = row_id(location_id)
    location = session.get(Location, key) if key is not None else None
    if location is None:
        raise NotFound("location", location_id)
    return location


def _bookable_parts(session: Session, service_id: int, location_id: int) -> list[Span]:
    """(service id, minutes) of each part of a global service the location offers."""
    key = row_id(service_id)
    service = session.get(Service, key) if key is not None else None
    if service is None:
        raise NotFound("service", service_id)
    if service.location_id is not None:
        raise ValidationError({"service_id": "is local to one location; the call centre "
                                             "books only global services"})
    if location_id not in service.location_ids:
        raise ValidationError({"location_id": "does not offer this service; pick one of "
                                              "the locations that offer it"})
    if service.kind != ServiceKind.COMBINED.value:
        return [(service.id, service.duration_minutes)]
    singles = {s.id: s.duration_minutes for s in session.scalars(
        select(Service).where(Service.id.in_(service.part_ids)))}
    return [(part_id, singles[part_id]) for part_id in service.part_ids]


def _opening(session: Session, resource_ids: Sequence[int], days: Sequence[LocalDay],
             kind: HoursKind) -> dict[date, dict[int, list[Span]]]:
    """Per day, per resource: its open spans in epoch minutes."""
    weekly: dict[tuple[int, int], list[Span]] = defaultdict(list)
    for rid, weekday, start, end in session.execute(
            select(ResourceHours.resource_id, ResourceHours.weekday,
                   ResourceHours.start_minute, ResourceHours.end_minute)
            .where(ResourceHours.resource_id.in_(resource_ids),
                   ResourceHours.kind == kind.value)):
        weekly[(rid, weekday)].append((start, end))
    dated: dict[tuple[int, date], list[tuple[str, int | None, int | None]]] = defaultdict(list)
    for rid, day, exc_kind, first, last in session.execute(
            select(ResourceException.resource_id, ResourceException.day,
                   ResourceException.kind, ResourceException.start_minute,
                   ResourceException.end_minute)
            .where(ResourceException.resource_id.in_(resource_ids),
                   ResourceException.day >= days[0].day,
                   ResourceException.day <= days[-1].day)):
        dated[(rid, day)].append((exc_kind, first, last))
    opening: dict[date, dict[int, list[Span]]] = {}
    for local in days:
        weekday = local.day.weekday()
        # Resources mostly share their hours: each distinct day is worked out once.
        cache: dict[tuple[tuple[Span, ...], tuple[Any, ...]], list[Span]] = {}
        spans_of: dict[int, list[Span]] = {}
        for rid in resource_ids:
            key = (tuple(weekly.get((rid, weekday), ())), tuple(dated.get((rid, local.day), ())))
            spans = cache.get(key)
            if spans is None:
                spans = cache[key] = local.instants(open_minutes(*key))
            if spans:
                spans_of[rid] = spans
        opening[local.day] = spans_of
    return opening


class _Search:
    """One search's data in epoch minutes, and the slot rules over it."""

    def __init__(self, parts: list[Span], resource_ids: list[int], days: list[LocalDay],
                 opening: dict[date, dict[int, list[Span]]], busy: dict[int, Busy],
                 now: int) -> None:
        self._parts = parts
        self._resources = resource_ids
        self._days = days
        self._opening = opening
        self._busy = busy
        self._now = now
        self._instants: dict[int, datetime] = {}

    def all_slots(self, part_of_day: PartOfDay | None) -> list[Slot]:
        found = []
        for local in self._days:
            for start in self._starts(local):
                if part_of_day is not None and \
                        PartOfDay.of(local.wall_minute(start)) != part_of_day:
                    continue
                slot = self._place(local.day, start)
                if slot is not None:
                    found.append(slot)
        return found

    def slot_at(self, minute: int) -> Slot | None:
        for local in self._days:
            if minute in self._starts(local):
                return self._place(local.day, minute)
        return None

    def take(self, slot: Slot) -> None:
        """Count a planned slot's parts as busy (the next start of one plan)."""
        for part in slot.parts:
            self._busy.setdefault(part.resource_id, Busy()).add(
                to_minutes(part.starts_at), to_minutes(part.ends_at))

    def _starts(self, local: LocalDay) -> list[int]:
        """The grid: every step from each open span's start (any resource's) while
        the first part still fits; future starts only."""
        first = self._parts[0][1]
        spans = {span for spans in self._opening[local.day].values() for span in spans}
        starts = {minute for s, e in spans
                  for minute in range(max(s, _next_on_grid(s, self._now)), e - first + 1,
                                      SLOT_STEP_MINUTES)}
        return sorted(starts)

    def _place(self, day: date, start: int) -> Slot | None:
        opening = self._opening[day]
        placed: list[SlotPart] = []
        at, previous = start, None
        for service_id, minutes in self._parts:
            end = at + minutes
            if previous is not None and self._free(opening, previous, at, end):
                chosen: int | None = previous
            else:
                chosen = next((rid for rid in self._resources
                               if self._free(opening, rid, at, end)), None)
            if chosen is None:
                return None
            placed.append(SlotPart(chosen, service_id, self._instant(at), self._instant(end)))
            at, previous = end, chosen
        return Slot(placed[0].starts_at, placed[-1].ends_at, tuple(placed))

    def _free(self, opening: dict[int, list[Span]], rid: int, start: int, end: int) -> bool:
        for s, e in opening.get(rid, ()):
            if s <= start and end <= e:
                break
        else:
            return False
        busy = self._busy.get(rid)
        return busy is None or not busy.overlaps(start, end)

    def _instant(self, minute: int) -> datetime:
        found = self._instants.get(minute)
        if found is None:
            found = self._instants[minute] = from_minutes(minute)
        return found


def _next_on_grid(span_start: int, now: int) -> int:
    """The first grid start of a span at or after ``now``."""
    if now <= span_start:
        return span_start
    steps = -(-(now - span_start) // SLOT_STEP_MINUTES)
    return span_start + steps * SLOT_STEP_MINUTES
