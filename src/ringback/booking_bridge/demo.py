"""``ringback demo-data``: a small example business, so a new installation shows
the booking pages working at once.

Two locations (Berlin, London), four global services (one combined of two
others) and one local to Berlin, three resources per location with working
and online booking hours, three global customers and one Berlin-only
customer, and a few bookings in the coming days.  Everything goes through
the catalog, the customer directory and the booking book, so the demo keeps
their rules.  A second run changes nothing and says so.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ringback.booking_bridge.bookings import BookingBook, SlotTaken
from ringback.booking_bridge.catalog import BookingCatalog
from ringback.booking_bridge.slots import SlotFinder
from ringback.clock import Clock, SystemClock
from ringback.console.account_settings import ResourceAvailability
from ringback.customers import CustomerDirectory
from ringback.store.bookings import HoursKind
from ringback.store.db import Database

LOCATIONS = (
    {"name": "Berlin", "address": "Friedrichstraße 100, 10117 Berlin",
     "time_zone": "Europe/Berlin"},
    {"name": "London", "address": "12 Baker Street, London NW1 6XE",
     "time_zone": "Europe/London"},
)
SINGLE_SERVICES = (("Consultation", 30), ("Wash", 15), ("Haircut", 45))
COMBINED = ("Wash and haircut", ("Wash", "Haircut"))
LOCAL_SERVICE = ("Berlin scalp massage", 30)  # local to Berlin
RESOURCES = {
    "Berlin": (("Anna Schmidt", "staff"), ("Jonas Weber", "staff"), ("Room Spree", "room")),
    "London": (("Emily Clarke", "staff"), ("Oliver Hughes", "staff"),
               ("Room Thames", "room")),
}
CUSTOMERS = (
    ("Ada Lovelace", "ada@example.com", "+4930901820", None),
    ("Grace Hopper", "grace@example.com", "+442079460018", None),
    ("Alan Turing", "alan@example.com", "+442079460123", None),
    ("Kim Berlin", "kim@example.com", "+493055501234", "Berlin"),  # Berlin-only
)
WEEKDAYS = range(5)


@dataclass(frozen=True)
class DemoResult:
    """What the run made; ``created`` false when the demo business was there already."""

    created: bool
    locations: int = 0
    services: int = 0
    resources: int = 0
    customers: int = 0
    bookings: int = 0

    def summary(self) -> str:
        if not self.created:
            return ("the demo business is there already (a location named Berlin or London "
                    "exists); nothing was changed")
        return (f"demo business added: {self.locations} locations, {self.services} services, "
                f"{self.resources} resources, {self.customers} customers, "
                f"{self.bookings} bookings")


def seed_demo(db: Database, clock: Clock) -> DemoResult:
    """Fill the example business unless a demo location exists already."""
    catalog = BookingCatalog(db)
    taken = {location.name for location in catalog.locations()}
    if taken & {spec["name"] for spec in LOCATIONS}:
        return DemoResult(created=False)
    places = {spec["name"]: catalog.create_location(spec) for spec in LOCATIONS}
    everywhere = [place.id for place in places.values()]
    services = {name: catalog.create_service({"name": name, "duration_minutes": minutes,
                                              "location_ids": everywhere})
                for name, minutes in SINGLE_SERVICES}
    combined_name, part_names = COMBINED
    services[combined_name] = catalog.create_service({
        "name": combined_name, "kind": "combined",
        "parts": [services[name].id for name in part_names], "location_ids": everywhere})
    local_name, local_minutes = LOCAL_SERVICE
    services[local_name] = catalog.create_service({
        "name": local_name, "duration_minutes": local_minutes,
        "location_id": places["Berlin"].id})

    resources = 0
    first_staff: dict[str, int] = {}
    for place_name, staff in RESOURCES.items():
        for name, kind in staff:
            email = None if kind == "room" else \
                f"{name.split()[0].lower()}@{place_name.lower()}.example.com"
            resource = catalog.create_resource({"location_id": places[place_name].id,
                                                "name": name, "kind": kind, "email": email})
            resources += 1
            first_staff.setdefault(place_name, resource.id)
            catalog.set_hours(resource.id, HoursKind.WORKING, _week("08:00", "18:00"))
            catalog.set_hours(resource.id, HoursKind.ONLINE, _week("09:00", "17:00"))
    # One member of staff also works Saturday mornings (not bookable online).
    saturday = [*_week("08:00", "18:00"), {"weekday": 5, "start": "09:00", "end": "13:00"}]
    catalog.set_hours(first_staff["Berlin"], HoursKind.WORKING, saturday)

    directory = CustomerDirectory(db)
    people: dict[str, int] = {}
    for name, email, phone, local_to in CUSTOMERS:
        household = directory.create_customer({"name": name, "email": email})
        payload: dict[str, Any] = {"customer_id": household.id, "name": name, "email": email,
                                   "phones": [phone]}
        if local_to is not None:
            payload["location_id"] = places[local_to].id
        people[name] = directory.create_user(payload).id

    book = BookingBook(db, clock, SlotFinder(db, clock))
    wishes = (("Ada Lovelace", "Berlin", "Haircut", 1),
              ("Ada Lovelace", "Berlin", "Wash and haircut", 8),
              ("Grace Hopper", "London", "Consultation", 2),
              ("Alan Turing", "London", "Wash and haircut", 3),
              ("Kim Berlin", "Berlin", "Consultation", 2))
    made = 0
    for customer, place_name, service_name, days_ahead in wishes:
        place = places[place_name]
        first_day = _today(clock, place.time_zone) + timedelta(days=days_ahead)
        made += _book_first_free(book, SlotFinder(db, clock), people[customer],
                                 services[service_name].id, place.id, first_day)
    return DemoResult(created=True, locations=len(places), services=len(services),
                      resources=resources, customers=len(people), bookings=made)


def _week(start: str, end: str) -> list[dict[str, Any]]:
    return [{"weekday": day, "start": start, "end": end} for day in WEEKDAYS]


def _today(clock: Clock, zone: str) -> date:
    return datetime.fromtimestamp(clock.now(), ZoneInfo(zone)).date()


def _book_first_free(book: BookingBook, finder: SlotFinder, customer_id: int,
                     service_id: int, location_id: int, first_day: date) -> int:
    """Book the second free slot from ``first_day`` on (not always the first of the
    day, so the calendar looks lived in); 1 when booked."""
    online = ResourceAvailability.ONLINE_BOOKING_HOURS
    slots = finder.free_slots(service_id, location_id, first_day, 7, None, online)
    for slot in [*slots[1:3], *slots[:1]]:
        try:
            book.book(customer_id, service_id, location_id, [slot.starts_at],
                      note="Booked by the demo data", multiple_allowed=True,
                      availability=online)
        except SlotTaken:
            continue
        return 1
    return 0


def cmd_demo_data(_args: argparse.Namespace) -> int:
    from ringback.data_dir import ensure_private
    from ringback.service_requests.demo import seed_call_centre
    from ringback.settings import Settings, SettingsError
    from ringback.store.migrate import upgrade

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ringback: {exc}", file=sys.stderr)
        return 2
    ensure_private(settings.data_dir)
    upgrade(settings.effective_database_url)
    db = Database.from_url(settings.effective_database_url)
    try:
        result = seed_demo(db, SystemClock())
        call_centre = seed_call_centre(db, SystemClock())
    finally:
        db.dispose()
    print(f"ringback: {result.summary()}")
    print(f"ringback: {call_centre}")
    return 0


def add_demo_data_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "demo-data",
        help="add a small example business (locations, services, resources, customers, "
             "bookings, knowledge-base articles, problem codes) to try the booking and "
             "request pages; a second run changes nothing")
    parser.set_defaults(func=cmd_demo_data)
