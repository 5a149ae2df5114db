"""What the booking pages read from a request and hand to their templates.

The pages (``console.pages.bookings``) stay thin: the choices an agent made so
far (service, location, first day, time of day, the call) are read here, the
free slots are fetched and grouped by local day here, and the mails go out
from here once a change is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from ringback.booking_bridge.catalog import ServiceScope
from ringback.booking_bridge.listing import BookingLine, utc
from ringback.booking_bridge.slots import PartOfDay, Slot
from ringback.clock import Clock
from ringback.console.account_settings import AccountSettings
from ringback.customers import CustomerUserMatch
from ringback.errors import NotFound, ValidationError
from ringback.parsing import row_id
from ringback.services import Services
from ringback.store.bookings import Booking, Location, Service
from ringback.store.customers import CustomerUser

SLOT_DAYS = 7  # days of free slots shown from the chosen first day
CALL_REF_MAX = 64
SLOT_TAKEN = "this slot was just taken by another booking; pick another from the fresh list below"
PART_LABELS = {PartOfDay.MORNING: "Morning (before 12:00)",
               PartOfDay.AFTERNOON: "Afternoon (12:00 to 17:00)",
               PartOfDay.EVENING: "Evening (from 17:00)"}
FIELD_LABELS = {"service_id": "Service", "location_id": "Location", "starts": "Time",
                "day": "First day", "part": "Time of day", "password": "Your password",
                "booking_ids": "Bookings", "name": "Name", "phone": "Phone number",
                "email": "E-mail", "note": "Note for the resource"}


def call_ref(values: Mapping[str, Any]) -> str | None:
    """The call a page was opened from; anything odd is dropped, never stored."""
    raw = str(values.get("call") or "").strip()
    if not raw or len(raw) > CALL_REF_MAX or not all(c.isalnum() or c in ":-_" for c in raw):
        return None
    return raw


@dataclass(frozen=True)
class BookingChoice:
    """The agent's choices on the add-booking page so far."""

    service_id: int | None
    location_id: int | None
    day: date
    part: PartOfDay | None
    call: str | None
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, values: Mapping[str, Any], clock: Clock) -> BookingChoice:
        problems: dict[str, str] = {}
        today = datetime.fromtimestamp(clock.now(), UTC).date()
        day = today
        raw_day = str(values.get("day") or "").strip()
        if raw_day:
            try:
                day = date.fromisoformat(raw_day)
            except ValueError:
                problems["day"] = "must be a date such as 2027-03-01"
        if day < today:
            day = today
        part = None
        raw_part = str(values.get("part") or "").strip()
        if raw_part:
            try:
                part = PartOfDay(raw_part)
            except ValueError:
                problems["part"] = "must be morning, afternoon or evening"
        return cls(_id(values.get("service_id")), _id(values.get("location_id")), day, part,
                   call_ref(values), problems)

    def evolve(self, **changes: Any) -> BookingChoice:
        return replace(self, **changes)

    @property
    def earlier(self) -> date:
        return self.day - timedelta(days=SLOT_DAYS)

    @property
    def later(self) -> date:
        return self.day + timedelta(days=SLOT_DAYS)


@dataclass(frozen=True)
class SlotDay:
    """Free slots of one local day."""

    day: date
    slots: list[tuple[str, str]]  # (value for the form, "10:30-11:00")


@dataclass(frozen=True)
class AddPage:
    services: list[Service]
    locations: list[Location]
    service: Service | None
    location: Location | None
    days: list[SlotDay]
    parts: dict[PartOfDay, str]
    problem: str | None


def _id(raw: object) -> int | None:
    text = str(raw or "").strip()
    return row_id(int(text)) if text.isascii() and text.isdigit() and len(text) < 12 else None


@dataclass(frozen=True)
class CustomerCard:
    """A customer in a list of search results."""

    id: int
    name: str
    email: str | None
    phones: list[str]


def find_customers(s: Services, q: str) -> list[CustomerCard]:
    """Customers every location shares, by name, e-mail or phone number."""
    users = s.customers.list_users({"q": q, "limit": 50}).items
    return [CustomerCard(u.id, u.name, u.email, [p.e164 for p in u.phones]) for u in users]


def found_from_matches(matches: Sequence[CustomerUserMatch]) -> list[CustomerCard]:
    return [CustomerCard(m.user_id, m.name, m.email, [m.e164]) for m in matches]


def global_customer(s: Services, user_id: int) -> CustomerUser:
    """The customer user, or NotFound: location-only customers are not the call centre's."""
    user = s.customers.get_user(user_id)
    if user.location_id is not None:
        raise NotFound("customer", user_id)
    return user


def add_customer(s: Services, shown: Mapping[str, str]) -> CustomerUser:
    """A new customer every location shares, with a household of the same name."""
    errors: dict[str, str] = {}
    if not shown["name"]:
        errors["name"] = "enter the customer's name"
    if not shown["phone"] and not shown["email"]:
        errors["phone"] = "enter a phone number or an e-mail address to reach the customer"
    if errors:
        raise ValidationError(errors)
    return s.customers.create_user_with_household({
        "name": shown["name"], "email": shown["email"] or None,
        "phones": [shown["phone"]] if shown["phone"] else []})


def customer_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """The directory's field names as the form's (``phones`` is the one phone field)."""
    return {("phone" if key.startswith("phones") else key): rule for key, rule in errors.items()}


def booking_errors(errors: Mapping[str, str]) -> dict[str, str]:
    return dict(errors)


def chosen_starts(values: MultiDict[str, str]) -> list[datetime]:
    """The ticked slots: instants as the page wrote them (ISO, UTC)."""
    starts = []
    for raw in values.getlist("starts"):
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationError({"starts": "pick a time from the list"}) from None
        starts.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    if not starts:
        raise ValidationError({"starts": "pick a time from the list"})
    return starts


def add_page(s: Services, choice: BookingChoice, settings: AccountSettings, *,
             exclude_booking_id: int | None = None) -> AddPage:
    catalog = s.booking_catalog
    services = catalog.services(scope=ServiceScope.GLOBAL)  # single and combined alike
    service = next((x for x in services if x.id == choice.service_id), None)
    offering = set(service.location_ids) if service else set()
    locations = [x for x in catalog.locations() if x.id in offering]
    location = next((x for x in locations if x.id == choice.location_id), None)
    days: list[SlotDay] = []
    problem = None
    if service and location:
        try:
            found = s.slots.free_slots(
                service.id, location.id, choice.day, days=SLOT_DAYS, part_of_day=choice.part,
                availability=settings.resource_availability,
                exclude_booking_id=exclude_booking_id)
        except ValidationError as exc:
            problem = "; ".join(exc.errors.values())
            found = []
        days = _by_day(found, ZoneInfo(location.time_zone))
    return AddPage(services, locations, service, location, days, PART_LABELS, problem)


def _by_day(slots: Sequence[Slot], zone: ZoneInfo) -> list[SlotDay]:
    grouped: dict[date, list[tuple[str, str]]] = {}
    for slot in slots:
        start = utc(slot.starts_at).astimezone(zone)
        end = utc(slot.ends_at).astimezone(zone)
        label = f"{start:%H:%M}–{end:%H:%M}"
        if start.utcoffset() != end.utcoffset() or _ambiguous(start):
            label += f" ({start:%Z})"
        grouped.setdefault(start.date(), []).append(
            (utc(slot.starts_at).astimezone(UTC).isoformat(), label))
    return [SlotDay(day, slots) for day, slots in grouped.items()]


def _ambiguous(local: datetime) -> bool:
    """A wall time that happens twice (the autumn hour): show its zone's abbreviation."""
    other = local.replace(fold=1 - local.fold)
    return other.utcoffset() != local.utcoffset()


def booked_line(s: Services, booking_id: int) -> BookingLine:
    """A booking that is still booked, for the reschedule page."""
    line = s.booking_listing.lines([s.bookings.get(booking_id)])[0]
    if not line.booked:
        raise NotFound("booking", booking_id)
    return line


def customer_lines(s: Services, user_id: int, ids: Sequence[int]) -> list[BookingLine]:
    upcoming, previous = s.bookings.for_customer(user_id)
    wanted = set(ids)
    return s.booking_listing.lines([b for b in [*upcoming, *previous] if b.id in wanted])


def selected_ids(values: MultiDict[str, str]) -> list[int]:
    ids = []
    for raw in values.getlist("booking_ids"):
        found = _id(raw)
        if found is not None and found not in ids:
            ids.append(found)
    return ids


def describe(s: Services, booking: Booking) -> str:
    line = s.booking_listing.lines([booking])[0]
    return f"{line.service} at {line.location}, {line.when}"


def booked_message(s: Services, made: Sequence[Booking]) -> str:
    lines = s.booking_listing.lines(made)
    if len(lines) == 1:
        return f"Booked: {lines[0].service} at {lines[0].location}, {lines[0].when}."
    return f"Booked {len(lines)} appointments: " + "; ".join(x.when for x in lines) + "."


def _notify_flags(values: Mapping[str, Any]) -> tuple[bool, bool]:
    return values.get("notify_customer") == "on", values.get("notify_resource") == "on"


def send_booked(s: Services, made: Sequence[Booking], values: Mapping[str, Any]) -> None:
    customer, resource = _notify_flags(values)
    s.booking_notices.booked(made, notify_customer=customer, notify_resource=resource)


def send_rescheduled(s: Services, before: Booking, after: Booking,
                     values: Mapping[str, Any]) -> None:
    customer, resource = _notify_flags(values)
    s.booking_notices.rescheduled(before, after, notify_customer=customer,
                                  notify_resource=resource)


def send_cancelled(s: Services, cancelled: Sequence[Booking], values: Mapping[str, Any]) -> None:
    customer, resource = _notify_flags(values)
    s.booking_notices.cancelled(cancelled, notify_customer=customer, notify_resource=resource)


@dataclass(frozen=True)
class CalendarChoice:
    location_id: int | None
    resource_id: int | None
    week: bool
    day: date

    @classmethod
    def read(cls, values: Mapping[str, Any], clock: Clock) -> CalendarChoice:
        day = datetime.fromtimestamp(clock.now(), UTC).date()
        try:
            day = date.fromisoformat(str(values.get("day") or ""))
        except ValueError:
            pass
        return cls(_id(values.get("location_id")), _id(values.get("resource_id")),
                   values.get("view") == "week", day)

    @property
    def first(self) -> date:
        return self.day - timedelta(days=self.day.weekday()) if self.week else self.day

    @property
    def days(self) -> int:
        return 7 if self.week else 1


@dataclass(frozen=True)
class CalendarDay:
    day: date
    lines: list[BookingLine]


@dataclass(frozen=True)
class Calendar:
    locations: list[Location]
    location: Location | None
    resources: list[Any]
    days: list[CalendarDay]
    previous: date
    next: date


def calendar(s: Services, view: CalendarChoice) -> Calendar:
    catalog = s.booking_catalog
    locations = catalog.locations()
    location = next((x for x in locations if x.id == view.location_id), None) \
        or (locations[0] if locations else None)
    resources: list[Any] = []
    days: list[CalendarDay] = []
    if location is not None:
        resources = catalog.resources(location_id=location.id)
        resource_id = view.resource_id if view.resource_id in {r.id for r in resources} \
            else None
        found = s.bookings.calendar(location.id, view.first, view.days, resource_id=resource_id)
        lines = s.booking_listing.lines(found)
        for offset in range(view.days):
            day = view.first + timedelta(days=offset)
            days.append(CalendarDay(day, [x for x in lines if x.starts.date() == day]))
    step = timedelta(days=view.days)
    return Calendar(locations, location, resources, days, view.first - step, view.first + step)
