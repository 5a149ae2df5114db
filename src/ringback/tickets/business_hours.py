"""A queue's weekly business hours in its time zone, and time counted inside them.

Escalation times run on the clock of the people who answer: 60 minutes asked
at 16:30 on a Friday, with hours 08:00-17:00 Monday to Friday, fall due at
08:30 on Monday.  Times are handled in UTC and turned into local wall-clock
spans day by day, so a change to or from summer time counts right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringback.errors import ValidationError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
SPAN_RULE = 'must be a list of ["HH:MM", "HH:MM"] spans, each starting before it ends'
MAX_SPANS = 8
# A week with hours always holds one span; this bounds the walk for any due time
# a few years ahead.
_MAX_DAYS = 366 * 5

Span = tuple[int, int]  # minutes after local midnight, end up to 1440


@dataclass(frozen=True)
class BusinessHours:
    """Spans of working time per weekday (0 = Monday), in ``time_zone``."""

    time_zone: str
    week: tuple[tuple[Span, ...], ...]

    @classmethod
    def from_json(cls, time_zone: object, hours: object, *, field: str = "business_hours"
                  ) -> BusinessHours:
        """From ``{"mon": [["08:00", "17:00"]], ...}``; days left out are closed.
        Every bad part is named in one ValidationError."""
        errors: dict[str, str] = {}
        zone = check_time_zone(errors, "time_zone", time_zone)
        week: list[tuple[Span, ...]] = [() for _ in DAYS]
        if not isinstance(hours, Mapping):
            errors[field] = "must be a JSON object of day (mon..sun): spans"
        else:
            for day, spans in hours.items():
                if day not in DAYS:
                    errors[f"{field}.{day}"] = "is not a day; use mon, tue, wed, thu, fri, " \
                                               "sat or sun"
                    continue
                found = _spans(spans)
                if found is None:
                    errors[f"{field}.{day}"] = SPAN_RULE + f", not overlapping, at most " \
                                                           f"{MAX_SPANS}"
                else:
                    week[DAYS.index(day)] = found
            if not errors and not any(week):
                errors[field] = "must open on at least one day (leave business hours out " \
                                "for round-the-clock service)"
        if errors:
            raise ValidationError(errors)
        return cls(zone or "UTC", tuple(week))

    def to_json(self) -> dict[str, Any]:
        return {DAYS[i]: [[_hhmm(a), _hhmm(b)] for a, b in spans]
                for i, spans in enumerate(self.week) if spans}

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` of business time after ``start`` (UTC in and out)."""
        zone = ZoneInfo(self.time_zone)
        left = timedelta(minutes=minutes)
        cursor = start.astimezone(UTC)
        day = cursor.astimezone(zone).date()
        for _ in range(_MAX_DAYS):
            for begin, end in self.week[day.weekday()]:
                opens = _at(day, begin, zone)
                closes = _at(day, end, zone)
                if closes <= cursor:
                    continue
                frm = max(opens, cursor)
                if frm + left <= closes:
                    return frm + left
                left -= closes - frm
                cursor = closes
            day += timedelta(days=1)
        raise ValueError("business hours never reach the due time")


def add_time(start: datetime, minutes: int, hours: BusinessHours | None) -> datetime:
    """``minutes`` after ``start``: wall-clock time, or business time when there are hours."""
    if hours is None:
        return start.astimezone(UTC) + timedelta(minutes=minutes)
    return hours.add(start, minutes)


def check_time_zone(errors: dict[str, str], name: str, value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > 64 or "\x00" in value:
        errors[name] = "must be a time zone name such as Europe/Berlin"
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errors[name] = "must be a time zone name such as Europe/Berlin"
        return None
    return value


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """``minute`` after local midnight of ``day`` (1440: the next midnight), in UTC."""
    if minute == 1440:
        return datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return datetime.combine(day, time(minute // 60, minute % 60), zone).astimezone(UTC)


def _spans(value: object) -> tuple[Span, ...] | None:
    if not isinstance(value, list) or len(value) > MAX_SPANS:
        return None
    spans: list[Span] = []
    for item in value:
        if not isinstance(item, list) or len(item) != 2:
            return None
        begin, end = (_minutes(part) for part in item)
        if begin is None or end is None or begin >= end:
            return None
        spans.append((begin, end))
    spans.sort()
    if any(a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False)):
        return None
    return tuple(spans)


def _minutes(text: object) -> int | None:
    if not isinstance(text, str):
        return None
    match = _HHMM.match(text)
    if not match:
        return None
    if text == "24:00":
        return 1440
    return int(match.group(1)) * 60 + int(match.group(2))


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
