"""Rules for booking input: the catalog (locations, services, resources, hours,
exceptions) and the requests that book, reschedule and cancel.

Every check records its rule under the field's name, so one ValidationError
names every bad field at once; unknown fields are refused rather than
silently dropped.  Nothing here touches the database: whether an id names a
row is the catalog's question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ringback.errors import ValidationError
from ringback.parsing import MAX_ROW_ID, row_id, whole_number
from ringback.store.bookings import (
    MAX_ADDRESS,
    MAX_NAME,
    MAX_NOTE,
    MAX_TIME_ZONE,
    MINUTES_PER_DAY,
    ExceptionKind,
    HoursKind,
    ResourceKind,
    ServiceKind,
)
from ringback.tickets.validation import EMAIL, text_field

LOCATION_FIELDS = ("name", "address", "time_zone")
SERVICE_FIELDS = ("name", "kind", "duration_minutes", "parts", "location_ids", "location_id")
RESOURCE_FIELDS = ("location_id", "name", "kind", "email")
EXCEPTION_FIELDS = ("day", "kind", "start", "end", "note")
HOURS_FIELDS = ("weekday", "start", "end")

MIN_DURATION = 5
MAX_DURATION = 720
MAX_PARTS = 10
MAX_LOCATIONS = 200
MAX_SPANS = 70  # ten spans a day
MAX_EMAIL = 254

ZONE_RULE = "must be an IANA time zone such as Europe/Berlin"
HHMM_RULE = 'must be a time of day "HH:MM" (00:00 to 24:00)'
DAY_RULE = 'must be a date "YYYY-MM-DD"'
EMAIL_RULE = "must be an e-mail address such as ana@example.com, or empty"
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def unknown_fields(payload: Mapping[str, Any], known: Iterable[str], what: str) -> dict[str, str]:
    known = tuple(known)
    return {str(name): f"is not a field of {what}; the fields are {', '.join(known)}"
            for name in payload if name not in known}


def raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


# -- single values ---------------------------------------------------------------


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone(errors: dict[str, str], name: str, value: object) -> str:
    """An IANA zone name zoneinfo can load (Europe/Berlin, UTC ...)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TIME_ZONE \
            or value not in _zones():
        errors[name] = ZONE_RULE
        return ""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errors[name] = ZONE_RULE
        return ""
    return value


def minute_of_day(errors: dict[str, str], name: str, value: object) -> int:
    """ "HH:MM" as minutes after midnight; "24:00" is the day's end (1440)."""
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        errors[name] = HHMM_RULE
        return 0
    if value == "24:00":
        return MINUTES_PER_DAY
    return int(match.group(1)) * 60 + int(match.group(2))


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def day_value(errors: dict[str, str], name: str, value: object) -> date | None:
    if not isinstance(value, str) or not _DAY.match(value):
        errors[name] = DAY_RULE
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = DAY_RULE
        return None


def choice(errors: dict[str, str], name: str, value: object, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        errors[name] = f"must be one of {', '.join(allowed)}"
        return ""
    return value


def id_value(errors: dict[str, str], name: str, value: object, what: str) -> int:
    """A JSON id (a whole number, not text) that a row can have."""
    if type(value) is not int or row_id(value) is None:
        errors[name] = f"must name the {what} (a whole number from 1 to {MAX_ROW_ID})"
        return 0
    return value


def id_list(errors: dict[str, str], name: str, value: object, what: str, *,
            min_items: int, max_items: int, unique: bool = True) -> list[int]:
    if not isinstance(value, list) or not min_items <= len(value) <= max_items:
        errors[name] = (f"must be a list of {min_items} to {max_items} {what} ids"
                        if min_items else f"must be a list of at most {max_items} {what} ids")
        return []
    ids: list[int] = []
    for index, item in enumerate(value):
        number = id_value(errors, f"{name}[{index}]", item, what)
        if number and unique and number in ids:
            errors[f"{name}[{index}]"] = f"names the {what} {number} a second time"
        ids.append(number)
    return ids


def bounded_int(errors: dict[str, str], name: str, value: object, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        errors[name] = f"must be a whole number from {low} to {high}"
        return low
    return value


def email_value(errors: dict[str, str], name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value.strip()) <= MAX_EMAIL and EMAIL.match(value.strip()):
        return value.strip().lower()
    errors[name] = EMAIL_RULE
    return None


def instant(errors: dict[str, str], name: str, value: object) -> datetime | None:
    """An ISO 8601 date-time with its offset (2027-03-28T09:00:00+02:00 or ...Z), in UTC."""
    rule = "must be a date-time with its offset, such as 2027-03-28T09:00:00+02:00"
    if not isinstance(value, str) or not 10 < len(value) <= 40:
        errors[name] = rule
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        errors[name] = rule
        return None
    if when.tzinfo is None or when.year < 1971 or when.year > 9998:
        errors[name] = rule
        return None
    return when.astimezone(UTC)


# -- the catalog's records ------------------------------------------------------------


def location_fields(payload: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    errors = unknown_fields(payload, LOCATION_FIELDS, "a location")
    fields: dict[str, Any] = {}
    if not partial or "name" in payload:
        fields["name"] = text_field(errors, "name", payload.get("name"), max_len=MAX_NAME,
                                    required=True)
    if "address" in payload:
        fields["address"] = text_field(errors, "address", payload["address"] or "",
                                       max_len=MAX_ADDRESS, required=False)
    if not partial or "time_zone" in payload:
        fields["time_zone"] = time_zone(errors, "time_zone", payload.get("time_zone"))
    raise_if(errors)
    return fields


def service_fields(payload: Mapping[str, Any], *, kind: str | None) -> dict[str, Any]:
    """A service's checked fields; ``kind`` is the stored one on an update (None: new).

    A single service has a duration (5 to 720 minutes); a combined one has parts
    (2 to 10 single services in order) and their durations' sum.
    """
    errors = unknown_fields(payload, SERVICE_FIELDS, "a service")
    partial = kind is not None
    fields: dict[str, Any] = {}
    if not partial or "name" in payload:
        fields["name"] = text_field(errors, "name", payload.get("name"), max_len=MAX_NAME,
                                    required=True)
    if partial:
        if "kind" in payload and payload["kind"] != kind:
            errors["kind"] = "cannot change; add a new service of the other kind"
        if "location_id" in payload:
            errors["location_id"] = "cannot change; add a new service instead"
    else:
        kind = choice(errors, "kind", payload.get("kind", ServiceKind.SINGLE.value),
                      [k.value for k in ServiceKind])
        fields["kind"] = kind
        local = payload.get("location_id")
        fields["location_id"] = None if local is None else id_value(
            errors, "location_id", local, "location (leave it out for a global service)")
    if kind == ServiceKind.SINGLE.value:
        if "parts" in payload:
            errors["parts"] = "belong to a combined service only"
        if not partial or "duration_minutes" in payload:
            fields["duration_minutes"] = bounded_int(
                errors, "duration_minutes", payload.get("duration_minutes"),
                MIN_DURATION, MAX_DURATION)
    elif kind == ServiceKind.COMBINED.value:
        if "duration_minutes" in payload:
            errors["duration_minutes"] = ("is the sum of the parts' durations for a combined "
                                          "service; leave it out")
        if not partial or "parts" in payload:
            fields["parts"] = id_list(errors, "parts", payload.get("parts"),
                                      "single service", min_items=2, max_items=MAX_PARTS,
                                      unique=False)
    if "location_ids" in payload:
        fields["location_ids"] = id_list(errors, "location_ids", payload["location_ids"],
                                         "location", min_items=0, max_items=MAX_LOCATIONS)
    raise_if(errors)
    return fields


def resource_fields(payload: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    errors = unknown_fields(payload, RESOURCE_FIELDS, "a resource")
    fields: dict[str, Any] = {}
    if partial:
        if "location_id" in payload:
            errors["location_id"] = ("cannot change; add a resource at the other location "
                                     "instead")
    else:
        fields["location_id"] = id_value(errors, "location_id", payload.get("location_id"),
                                         "location")
    if not partial or "name" in payload:
        fields["name"] = text_field(errors, "name", payload.get("name"), max_len=MAX_NAME,
                                    required=True)
    if not partial or "kind" in payload:
        fields["kind"] = choice(errors, "kind", payload.get("kind", ResourceKind.STAFF.value),
                                [k.value for k in ResourceKind])
    if "email" in payload:
        fields["email"] = email_value(errors, "email", payload["email"])
    raise_if(errors)
    return fields


def hours_kind(value: object) -> HoursKind | None:
    """The kind of weekly hours a path names (working, online), or None."""
    return next((kind for kind in HoursKind if kind.value == value), None)


def week_spans(value: object, name: str = "hours") -> list[tuple[int, int, int]]:
    """A whole week of one kind: ``[{"weekday": 0..6, "start": "HH:MM", "end": "HH:MM"}]``
    as (weekday, start minute, end minute), sorted; spans of one day may not overlap."""
    errors: dict[str, str] = {}
    if not isinstance(value, list) or len(value) > MAX_SPANS:
        raise ValidationError({name: f"must be a list of at most {MAX_SPANS} spans "
                                     '{"weekday": 0-6 (0 = Monday), "start": "HH:MM", '
                                     '"end": "HH:MM"}'})
    spans: list[tuple[int, int, int, int]] = []
    for index, item in enumerate(value):
        field = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            errors[field] = 'must be an object {"weekday", "start", "end"}'
            continue
        before = len(errors)
        errors.update({f"{field}.{k}": v for k, v in
                       unknown_fields(item, HOURS_FIELDS, "a span of hours").items()})
        weekday = bounded_int(errors, f"{field}.weekday", item.get("weekday"), 0, 6)
        start = minute_of_day(errors, f"{field}.start", item.get("start"))
        end = minute_of_day(errors, f"{field}.end", item.get("end"))
        if len(errors) == before:
            if start >= end:
                errors[f"{field}.end"] = "must be after start"
            else:
                spans.append((weekday, start, end, index))
    spans.sort()
    for a, b in zip(spans, spans[1:], strict=False):
        if a[0] == b[0] and a[2] > b[1]:
            errors[f"{name}[{b[3]}]"] = f"overlaps {name}[{a[3]}] on the same weekday"
    raise_if(errors)
    return [(weekday, start, end) for weekday, start, end, _ in spans]


def exception_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A dated exception: closed (the whole day without start and end, or that span)
    or extra hours (start and end needed)."""
    errors = unknown_fields(payload, EXCEPTION_FIELDS, "an exception")
    fields: dict[str, Any] = {
        "day": day_value(errors, "day", payload.get("day")),
        "kind": choice(errors, "kind", payload.get("kind"), [k.value for k in ExceptionKind]),
        "note": text_field(errors, "note", payload.get("note") or "", max_len=MAX_NAME,
                           required=False),
    }
    has_start, has_end = payload.get("start") is not None, payload.get("end") is not None
    start = end = None
    if has_start:
        start = minute_of_day(errors, "start", payload["start"])
    if has_end:
        end = minute_of_day(errors, "end", payload["end"])
    if fields["kind"] == ExceptionKind.EXTRA.value and not (has_start and has_end):
        for missing, given in (("start", has_start), ("end", has_end)):
            if not given:
                errors[missing] = "is needed for extra hours"
    elif has_start != has_end:
        errors["end" if has_start else "start"] = ("must be given with the other one, or "
                                                   "leave both out to close the whole day")
    if start is not None and end is not None and "start" not in errors \
            and "end" not in errors and start >= end:
        errors["end"] = "must be after start"
    fields["start_minute"], fields["end_minute"] = start, end
    raise_if(errors)
    return fields


def note_value(errors: dict[str, str], name: str, value: object) -> str:
    return text_field(errors, name, value if value is not None else "", max_len=MAX_NOTE,
                      required=False)


# -- requests that book, reschedule and cancel ------------------------------------------

BOOK_FIELDS = ("customer_user_id", "service_id", "location_id", "starts", "note", "call_ref",
               "notify_customer", "notify_resource")
RESCHEDULE_FIELDS = ("starts_at", "location_id", "password", "notify_customer",
                     "notify_resource")
CANCEL_FIELDS = ("booking_ids", "password", "notify_customer", "notify_resource")
MAX_STARTS = 30
MAX_CALL_REF = 64


def _notify(errors: dict[str, str], payload: Mapping[str, Any]) -> dict[str, bool]:
    """The mail checkboxes: both true unless the request says false."""
    flags = {}
    for name in ("notify_customer", "notify_resource"):
        value = payload.get(name, True)
        if not isinstance(value, bool):
            errors[name] = "must be true or false (default true)"
            value = True
        flags[name] = value
    return flags


def book_request(payload: Mapping[str, Any]) -> dict[str, Any]:
    """POST /bookings: ids, ``starts`` (1 to 30 date-times with offsets), note,
    call_ref and the two notify flags."""
    errors = unknown_fields(payload, BOOK_FIELDS, "a booking")
    fields: dict[str, Any] = {
        "customer_user_id": id_value(errors, "customer_user_id",
                                     payload.get("customer_user_id"), "customer user"),
        "service_id": id_value(errors, "service_id", payload.get("service_id"), "service"),
        "location_id": id_value(errors, "location_id", payload.get("location_id"),
                                "location"),
        "note": note_value(errors, "note", payload.get("note")),
    }
    raw = payload.get("starts")
    starts: list[datetime] = []
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STARTS:
        errors["starts"] = (f"must be a list of 1 to {MAX_STARTS} start times (date-times "
                            "with their offset)")
    else:
        for index, item in enumerate(raw):
            when = instant(errors, f"starts[{index}]", item)
            if when is not None:
                starts.append(when)
    fields["starts"] = starts
    call_ref = payload.get("call_ref")
    if call_ref is not None and (not isinstance(call_ref, str)
                                 or not 0 < len(call_ref) <= MAX_CALL_REF):
        errors["call_ref"] = f"must be the call's reference (1 to {MAX_CALL_REF} characters)"
    fields["call_ref"] = call_ref or None
    fields.update(_notify(errors, payload))
    raise_if(errors)
    return fields


def reschedule_request(payload: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH /bookings/<id>: the new ``starts_at``; ``location_id`` only to repeat it."""
    errors = unknown_fields(payload, RESCHEDULE_FIELDS, "a reschedule")
    fields: dict[str, Any] = {"starts_at": instant(errors, "starts_at",
                                                   payload.get("starts_at"))}
    location = payload.get("location_id")
    fields["location_id"] = None if location is None else id_value(
        errors, "location_id", location, "location")
    fields.update(_notify(errors, payload))
    raise_if(errors)
    return fields


def cancel_request(payload: Mapping[str, Any]) -> dict[str, Any]:
    """POST /bookings/cancel: 1 to 30 booking ids of one customer."""
    errors = unknown_fields(payload, CANCEL_FIELDS, "a cancellation")
    raw = payload.get("booking_ids")
    if isinstance(raw, list) and len(raw) > MAX_STARTS:
        errors["booking_ids"] = (f"at most {MAX_STARTS} bookings at once; {len(raw)} were "
                                 "picked")
        ids: list[int] = []
    else:
        ids = id_list(errors, "booking_ids", raw, "booking", min_items=1,
                      max_items=MAX_STARTS)
    fields: dict[str, Any] = {"booking_ids": ids}
    fields.update(_notify(errors, payload))
    raise_if(errors)
    return fields


def query_id(errors: dict[str, str], args: Mapping[str, Any], name: str, *,
             required: bool = False) -> int | None:
    """An id in a query string: ASCII digits naming a possible row."""
    raw = args.get(name)
    if raw in (None, ""):
        if required:
            errors[name] = f"is needed (a whole number from 1 to {MAX_ROW_ID})"
        return None
    found = row_id(raw)
    if found is None:
        errors[name] = f"must be a whole number from 1 to {MAX_ROW_ID}"
    return found


def days_query(errors: dict[str, str], args: Mapping[str, Any], *, default: int = 7,
               maximum: int = 62) -> tuple[date | None, int]:
    """``from`` (a local day, None: today) and ``days`` of a query string."""
    raw_from = args.get("from")
    start = None if raw_from in (None, "") else day_value(errors, "from", raw_from)
    days = whole_number(errors, "days", args.get("days"), default=default, minimum=1,
                        maximum=maximum)
    return start, days
