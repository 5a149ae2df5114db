"""A small example business for booking tests: one location in Berlin, two staff
members, single, combined and local services, and a customer who calls from CALLER.

The test clock starts on Friday 2027-01-15 08:00 UTC (09:00 in Berlin), so the
next Monday is 2027-01-18.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.customers import CustomerDirectory
from ringback.store.bookings import HoursKind

CALLER = "+4915112345678"
MONDAY = date(2027, 1, 18)
WEEKDAYS = range(5)


@dataclass(frozen=True)
class Business:
    location_id: int
    other_location_id: int
    haircut_id: int  # single, 30 minutes, global
    colour_id: int  # single, 60 minutes, global
    cut_and_colour_id: int  # combined: haircut then colour
    local_id: int  # local to the location: never offered by the call centre
    anna_id: int
    ben_id: int
    customer_id: int  # a customer user every location shares, phone CALLER
    local_customer_id: int  # a customer user of the location only


def week(start: str, end: str) -> list[dict[str, object]]:
    return [{"weekday": day, "start": start, "end": end} for day in WEEKDAYS]


def build(catalog: BookingCatalog, customers: CustomerDirectory) -> Business:
    berlin = catalog.create_location({"name": "Berlin Mitte", "address": "Torstr. 1",
                                      "time_zone": "Europe/Berlin"})
    london = catalog.create_location({"name": "London Soho", "address": "1 Dean St",
                                      "time_zone": "Europe/London"})
    both = [berlin.id, london.id]
    haircut = catalog.create_service({"name": "Haircut", "kind": "single",
                                      "duration_minutes": 30, "location_ids": both})
    colour = catalog.create_service({"name": "Colour", "kind": "single",
                                     "duration_minutes": 60, "location_ids": [berlin.id]})
    combined = catalog.create_service({"name": "Cut and colour", "kind": "combined",
                                       "parts": [haircut.id, colour.id],
                                       "location_ids": [berlin.id]})
    local = catalog.create_service({"name": "Walk-in trim", "kind": "single",
                                    "duration_minutes": 15, "location_id": berlin.id})
    staff = []
    for name in ("Anna", "Ben"):
        resource = catalog.create_resource({"location_id": berlin.id, "name": name,
                                            "kind": "staff",
                                            "email": f"{name.lower()}@salon.example"})
        catalog.set_hours(resource.id, HoursKind.WORKING, week("09:00", "18:00"))
        catalog.set_hours(resource.id, HoursKind.ONLINE, week("09:00", "12:00"))
        staff.append(resource.id)
    person = customers.create_user_with_household(
        {"name": "Clara Caller", "email": "clara@example.com", "phones": [CALLER]})
    household = customers.create_customer({"name": "Walk-ins"})
    only_here = customers.create_user({"customer_id": household.id, "name": "Lena Local",
                                       "phones": ["+4915199999999"], "location_id": berlin.id})
    return Business(berlin.id, london.id, haircut.id, colour.id, combined.id, local.id,
                    staff[0], staff[1], person.id, only_here.id)
