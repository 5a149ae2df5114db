"""The booking setup forms: a posted form as the payload ``BookingCatalog`` takes,
and the catalog's field errors in the page's words, at the fields they name.

The catalog checks every value (``ringback.booking_bridge.validation``); a
form only turns text into the payload's types (digits into numbers, ticked
boxes into lists) and passes anything odd on as typed, so the page shows the
catalog's own rule.  Messages that name ids or payload paths (``hours[3]``)
are put into words, since agents never see those.  Nothing here knows Flask.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from ringback.booking_bridge.validation import hhmm
from ringback.parsing import ascii_whole
from ringback.store.bookings import (
    ExceptionKind,
    HoursKind,
    Location,
    Resource,
    ResourceException,
    ResourceHours,
    Service,
    ServiceKind,
)

Form = MultiDict[str, str]

COMMON_ZONES = (
    "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Berlin", "Europe/Amsterdam",
    "Europe/Brussels", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Vienna",
    "Europe/Zurich", "Europe/Copenhagen", "Europe/Stockholm", "Europe/Oslo", "Europe/Warsaw",
    "Europe/Prague", "Europe/Helsinki", "Europe/Athens", "Europe/Istanbul", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
    "America/Mexico_City", "America/Sao_Paulo", "Africa/Johannesburg", "Asia/Dubai",
    "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
    "UTC",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPAN_COLUMNS = 2  # spans a weekday offers at least (a break: 09:00-12:00 and 13:00-17:00)
MAX_COLUMNS = 10
PART_FIELDS = 4  # part fields a combined service offers at least
MAX_PARTS = 10
RESOURCE_KINDS = {"staff": "Staff member", "room": "Room"}
HOURS_WORDS = {HoursKind.WORKING: "Working hours", HoursKind.ONLINE: "Online booking hours"}
EXCEPTION_CHOICES = {"closed_day": "Closed all day", "closed_span": "Closed for part of the day",
                     "extra": "Extra hours"}

LOCATION_LABELS = {"name": "Name", "address": "Address", "time_zone": "Time zone"}
RESOURCE_LABELS = {"name": "Name", "kind": "Staff member or room",
                   "email": "E-mail for confirmations", "location_id": "Location"}
EXCEPTION_LABELS = {"day": "Date", "what": "What", "start": "From", "end": "To", "note": "Note"}
_SERVICE_LABELS = {"name": "Name", "kind": "Single or combined", "duration_minutes":
                   "Duration (minutes)", "location_id": "Where", "location_ids": "Offered at"}
_ORDINALS = ("first", "second")


class SetupAudit(str, enum.Enum):
    """What the audit log says about a change to the booking catalog."""

    LOCATION_ADDED = "booking_setup.location_added"
    LOCATION_CHANGED = "booking_setup.location_changed"
    LOCATION_REMOVED = "booking_setup.location_removed"
    SERVICE_ADDED = "booking_setup.service_added"
    SERVICE_CHANGED = "booking_setup.service_changed"
    SERVICE_REMOVED = "booking_setup.service_removed"
    RESOURCE_ADDED = "booking_setup.resource_added"
    RESOURCE_CHANGED = "booking_setup.resource_changed"
    RESOURCE_REMOVED = "booking_setup.resource_removed"
    FEED_RENEWED = "booking_setup.feed_renewed"
    HOURS_CHANGED = "booking_setup.hours_changed"
    EXCEPTION_ADDED = "booking_setup.exception_added"
    EXCEPTION_REMOVED = "booking_setup.exception_removed"


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(text: str) -> Any:
    """Digits are a number; anything else goes to the catalog as typed, so the page
    shows the catalog's rule."""
    number = ascii_whole(text)
    return text if number is None else number


def agent_words(rule: str) -> str:
    """A catalog rule without the ids and payload names agents never see."""
    if rule.startswith("names no "):
        return "was deleted a moment ago; reload the page and choose again"
    if "a whole number from 1 to" in rule and rule.startswith("must name the"):
        return "must be chosen from the list"
    return re.sub(r" \(\d+\)$", "", rule)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The entries ``after`` changed, with their new values (for the audit log)."""
    return {key: value for key, value in after.items() if before.get(key) != value}


# -- locations -------------------------------------------------------------------------


@dataclass
class LocationForm:
    """What the location form's fields hold; ``zone_choice`` "" is "not in the list"."""

    name: str = ""
    address: str = ""
    zone_choice: str = ""
    zone_other: str = ""


def location_form(location: Location) -> LocationForm:
    listed = location.time_zone in COMMON_ZONES
    return LocationForm(location.name, location.address, location.time_zone if listed else "",
                        "" if listed else location.time_zone)


def read_location(form: Form) -> tuple[LocationForm, dict[str, Any]]:
    """The form shown again, and the payload; a typed zone wins over the chosen one."""
    shown = LocationForm(_text(form, "name"), _text(form, "address"), _text(form, "time_zone"),
                         _text(form, "time_zone_other"))
    return shown, {"name": shown.name, "address": shown.address,
                   "time_zone": shown.zone_other or shown.zone_choice}


def location_errors(errors: Mapping[str, str]) -> dict[str, str]:
    return {key if key in LOCATION_LABELS else "name": agent_words(rule)
            for key, rule in errors.items()}


def location_summary(location: Location) -> dict[str, Any]:
    return {"name": location.name, "address": location.address,
            "time_zone": location.time_zone}


# -- services ------------------------------------------------------------------------------


@dataclass
class ServiceForm:
    """What the service form's fields hold; ``where`` "" is global, else a location's id;
    ``parts`` one entry per part field (service ids as text, "" for none)."""

    name: str = ""
    kind: str = ServiceKind.SINGLE.value
    duration: str = ""
    parts: list[str] = field(default_factory=list)
    where: str = ""
    offered: list[str] = field(default_factory=list)

    @property
    def part_fields(self) -> list[str]:
        """The part fields to show: those filled, then two empty ones (at least four)."""
        filled = len(self.parts)
        while filled and not self.parts[filled - 1]:
            filled -= 1
        count = min(MAX_PARTS, max(PART_FIELDS, filled + 2))
        return (self.parts + [""] * count)[:count]


def service_form(service: Service) -> ServiceForm:
    return ServiceForm(service.name, service.kind, str(service.duration_minutes),
                       [str(i) for i in service.part_ids],
                       "" if service.location_id is None else str(service.location_id),
                       [str(i) for i in service.location_ids])


def read_service(form: Form, service: Service | None
                 ) -> tuple[ServiceForm, dict[str, Any], list[int]]:
    """The form shown again, the payload, and for each part of the payload the number
    of the part field it came from (1, 2, ...), so errors land at the right field.

    ``service`` is the stored one on an update: its kind and place stay, and a
    local service stays offered at its own location only.
    """
    shown = ServiceForm(
        name=_text(form, "name"),
        kind=service.kind if service else _text(form, "kind"),
        duration=_text(form, "duration_minutes"),
        parts=[p.strip() for p in form.getlist("parts")][:MAX_PARTS],
        where=(("" if service.location_id is None else str(service.location_id)) if service
               else _text(form, "location_id")),
        offered=[o.strip() for o in form.getlist("location_ids") if o.strip()])
    payload: dict[str, Any] = {"name": shown.name}
    if service is None:
        payload["kind"] = shown.kind
        payload["location_id"] = _number(shown.where) if shown.where else None
    part_fields: list[int] = []
    if shown.kind == ServiceKind.COMBINED.value:
        picked = [(number, text) for number, text in enumerate(shown.parts, 1) if text]
        payload["parts"] = [_number(text) for _, text in picked]
        part_fields = [number for number, _ in picked]
    elif shown.kind == ServiceKind.SINGLE.value:
        payload["duration_minutes"] = _number(shown.duration)
    if not shown.where or (service is None and shown.offered):
        payload["location_ids"] = [_number(text) for text in shown.offered]
    return shown, payload, part_fields


def service_errors(errors: Mapping[str, str], part_fields: Sequence[int]) -> dict[str, str]:
    """The catalog's errors at the service form's fields (``parts[1]`` -> ``parts-2``
    when the first part field was left empty)."""
    found: dict[str, str] = {}
    for key, rule in errors.items():
        head, _, index = key.partition("[")
        if head == "parts":
            number = int(index.rstrip("]")) if index else -1
            target = (f"parts-{part_fields[number]}" if 0 <= number < len(part_fields)
                      else "parts-1")
            words = ("pick 2 to 10 single services, in the order they follow each other"
                     if not index else agent_words(rule))
        else:
            target = head if head in _SERVICE_LABELS else "name"
            words = agent_words(rule)
        found.setdefault(target, words)
    return found


def service_label(name: str) -> str:
    if name.startswith("parts-"):
        return f"Part {name[6:]}"
    return _SERVICE_LABELS.get(name, "This form")


def minutes_text(minutes: int) -> str:
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def service_summary(service: Service, service_names: Mapping[int, str],
                    location_names: Mapping[int, str]) -> dict[str, Any]:
    """The service in words, as the audit log keeps it."""
    summary: dict[str, Any] = {
        "name": service.name,
        "kind": "Combined" if service.kind == ServiceKind.COMBINED.value else "Single",
        "duration": minutes_text(service.duration_minutes),
        "where": where_text(service, location_names),
        "offered_at": [location_names.get(i, "?") for i in service.location_ids],
    }
    if service.kind == ServiceKind.COMBINED.value:
        summary["parts"] = [service_names.get(i, "?") for i in service.part_ids]
    return summary


def where_text(service: Service, location_names: Mapping[int, str]) -> str:
    if service.location_id is None:
        return "Global"
    return f"Only at {location_names.get(service.location_id, '?')}"


# -- resources -----------------------------------------------------------------------------


@dataclass
class ResourceForm:
    name: str = ""
    kind: str = "staff"
    email: str = ""


def resource_form(resource: Resource) -> ResourceForm:
    return ResourceForm(resource.name, resource.kind, resource.email or "")


def read_resource(form: Form, location_id: int | None) -> tuple[ResourceForm, dict[str, Any]]:
    """The form shown again, and the payload (with the location for a new resource)."""
    shown = ResourceForm(_text(form, "name"), _text(form, "kind"), _text(form, "email"))
    payload: dict[str, Any] = {"name": shown.name, "kind": shown.kind, "email": shown.email}
    if location_id is not None:
        payload["location_id"] = location_id
    return shown, payload


def resource_errors(errors: Mapping[str, str]) -> dict[str, str]:
    return {key if key in RESOURCE_LABELS else "name": agent_words(rule)
            for key, rule in errors.items()}


def resource_summary(resource: Resource, location_name: str) -> dict[str, Any]:
    return {"name": resource.name, "kind": RESOURCE_KINDS.get(resource.kind, resource.kind),
            "email": resource.email or "none", "location": location_name}


def feed_url(public_base_url: str, token: str) -> str:
    """The resource's private calendar feed, as calendar programs subscribe to it."""
    return f"{public_base_url.rstrip('/')}/calendar/{token}.ics"


# -- weekly hours --------------------------------------------------------------------------


def cell(weekday: int, column: int, end: bool) -> str:
    """The field of one time in the week's table: ``mon-1-from``, ``tue-2-to``."""
    return f"{DAY_KEYS[weekday]}-{column}-{'to' if end else 'from'}"


def cell_label(weekday: int, column: int, end: bool) -> str:
    span = "" if column == 1 else (f", {_ORDINALS[column - 1]} span" if column <= 2
                                   else f", span {column}")
    return f"{WEEKDAYS[weekday]}{span}: {'to' if end else 'from'}"


def hours_label(name: str) -> str:
    day, _, rest = name.partition("-")
    column, _, end = rest.partition("-")
    if day in DAY_KEYS and column.isdigit():
        return cell_label(DAY_KEYS.index(day), int(column), end == "to")
    return "Hours"


@dataclass
class HoursForm:
    """The week's table: ``columns`` spans a weekday, each time as typed."""

    columns: int = SPAN_COLUMNS
    cells: dict[str, str] = field(default_factory=dict)

    def value(self, weekday: int, column: int, end: bool) -> str:
        return self.cells.get(cell(weekday, column, end), "")


def hours_form(rows: Iterable[ResourceHours]) -> HoursForm:
    """The stored week as the table; a day with more spans than two gets more columns,
    so saving the table never drops one."""
    by_day: dict[int, list[ResourceHours]] = {}
    for row in sorted(rows, key=lambda r: (r.weekday, r.start_minute)):
        by_day.setdefault(row.weekday, []).append(row)
    shown = HoursForm(max([SPAN_COLUMNS, *map(len, by_day.values())]))
    for weekday, spans in by_day.items():
        for column, row in enumerate(spans, 1):
            shown.cells[cell(weekday, column, False)] = hhmm(row.start_minute)
            shown.cells[cell(weekday, column, True)] = hhmm(row.end_minute)
    return shown


def _time(text: str) -> str:
    """ "9:30" as "09:30"; the catalog checks the rest."""
    return f"0{text}" if re.fullmatch(r"[0-9]:[0-5][0-9]", text) else text


def read_hours(form: Form) -> tuple[HoursForm, list[dict[str, Any]], list[tuple[int, int]]]:
    """The table shown again, the week's spans, and each span's (weekday, column).

    A span with both times empty is left out (a day without spans is closed);
    one with a single time goes on, so the catalog names the missing one.
    """
    columns = SPAN_COLUMNS
    while columns < MAX_COLUMNS and any(cell(d, columns + 1, False) in form for d in range(7)):
        columns += 1
    shown = HoursForm(columns)
    spans: list[dict[str, Any]] = []
    places: list[tuple[int, int]] = []
    for weekday in range(7):
        for column in range(1, columns + 1):
            start = _time(_text(form, cell(weekday, column, False)))
            end = _time(_text(form, cell(weekday, column, True)))
            shown.cells[cell(weekday, column, False)] = start
            shown.cells[cell(weekday, column, True)] = end
            if start or end:
                spans.append({"weekday": weekday, "start": start, "end": end})
                places.append((weekday, column))
    return shown, spans, places


def hours_errors(errors: Mapping[str, str], places: Sequence[tuple[int, int]]
                 ) -> dict[str, str]:
    """``hours[3].end`` as the table's field, and "overlaps hours[2]" in words."""

    def span_words(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(places):
            return "another span"
        weekday, column = places[index]
        which = _ORDINALS[column - 1] if column <= 2 else f"number {column}"
        return f"the {which} span"

    found: dict[str, str] = {}
    for key, rule in errors.items():
        match = re.fullmatch(r"hours\[(\d+)\](?:\.(\w+))?", key)
        index = int(match.group(1)) if match else -1
        weekday, column = places[index] if 0 <= index < len(places) else (0, 1)
        target = cell(weekday, column, match is not None and match.group(2) == "end")
        found.setdefault(target, re.sub(r"hours\[(\d+)\]", span_words, rule))
    return found


def week_text(rows: Iterable[ResourceHours]) -> str:
    """The week in one line: "Mon 09:00-12:00, 13:00-17:00; Tue ..."; "none" when empty."""
    by_day: dict[int, list[str]] = {}
    for row in sorted(rows, key=lambda r: (r.weekday, r.start_minute)):
        by_day.setdefault(row.weekday, []).append(
            f"{hhmm(row.start_minute)}–{hhmm(row.end_minute)}")
    return "; ".join(f"{WEEKDAYS[d][:3]} {', '.join(spans)}"
                     for d, spans in sorted(by_day.items())) or "none"


def week_of(resource: Resource, kind: HoursKind) -> str:
    return week_text(row for row in resource.hours if row.kind == kind.value)


def day_spans(rows: Iterable[ResourceHours], kind: HoursKind) -> list[str]:
    """For each weekday, its spans of one kind in words ("" when closed)."""
    days = [""] * 7
    for row in sorted(rows, key=lambda r: (r.weekday, r.start_minute)):
        if row.kind == kind.value:
            span = f"{hhmm(row.start_minute)}–{hhmm(row.end_minute)}"
            days[row.weekday] = f"{days[row.weekday]}, {span}" if days[row.weekday] else span
    return days


# -- exceptions ----------------------------------------------------------------------------


@dataclass
class ExceptionForm:
    day: str = ""
    what: str = "closed_day"
    start: str = ""
    end: str = ""
    note: str = ""


def read_exception(form: Form) -> tuple[ExceptionForm, dict[str, Any], dict[str, str]]:
    """The form shown again, the payload, and what the form itself refuses: a choice
    not offered, or times given for a day closed all day."""
    shown = ExceptionForm(_text(form, "day"), _text(form, "what"), _time(_text(form, "start")),
                          _time(_text(form, "end")), _text(form, "note"))
    errors: dict[str, str] = {}
    payload: dict[str, Any] = {"day": shown.day, "note": shown.note}
    if shown.what == "closed_day":
        payload["kind"] = ExceptionKind.CLOSED.value
        if shown.start or shown.end:
            errors["start" if shown.start else "end"] = (
                "must be empty for a day closed all day; or choose “Closed for part of the "
                "day”")
    elif shown.what in ("closed_span", "extra"):
        payload["kind"] = (ExceptionKind.EXTRA.value if shown.what == "extra"
                           else ExceptionKind.CLOSED.value)
        payload["start"], payload["end"] = shown.start, shown.end
    else:
        errors["what"] = "must be one of the three choices"
    return shown, payload, errors


def exception_errors(errors: Mapping[str, str]) -> dict[str, str]:
    return {("what" if key == "kind" else key if key in EXCEPTION_LABELS else "day"):
            agent_words(rule) for key, rule in errors.items()}


def exception_text(row: ResourceException) -> str:
    """ "Closed all day", "Closed 12:00–14:00" or "Extra hours 18:00–20:00"."""
    if row.start_minute is None or row.end_minute is None:
        return "Closed all day"
    span = f"{hhmm(row.start_minute)}–{hhmm(row.end_minute)}"
    return f"Extra hours {span}" if row.kind == ExceptionKind.EXTRA.value else f"Closed {span}"


def exception_summary(row: ResourceException) -> dict[str, Any]:
    summary = {"date": row.day.isoformat(), "change": exception_text(row)}
    if row.note:
        summary["note"] = row.note
    return summary
