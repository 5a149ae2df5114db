"""A small business made straight through SQLAlchemy (the catalog is written
beside this): locations, services, resources with hours, customers; and the
slot finder and booking book on the test's database and clock."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ringback.booking_bridge.bookings import BookingBook
from ringback.booking_bridge.slots import SlotFinder
from ringback.clock import ManualClock
from ringback.console.account_settings import ResourceAvailability
from ringback.store.bookings import (
    HoursKind,
    Location,
    Resource,
    ResourceException,
    ResourceHours,
    Service,
    ServiceKind,
    ServiceLocation,
    ServicePart,
)
from ringback.store.customers import Customer, CustomerUser, CustomerUserPhone
from ringback.store.db import Database
from ringback.store.models import Agent

BERLIN = ZoneInfo("Europe/Berlin")
ONLINE = ResourceAvailability.ONLINE_BOOKING_HOURS
WORKING = ResourceAvailability.WORKING_HOURS
EVERY_DAY = range(7)


def minute(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def berlin(text: str) -> datetime:
    """A Berlin wall time ("2027-02-01 09:00") as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


def local_times(slots, zone: ZoneInfo = BERLIN) -> list[str]:
    return [s.starts_at.astimezone(zone).strftime("%H:%M") for s in slots]


@dataclass
class Shop:
    """Makes records and returns their ids."""

    db: Database

    def location(self, name: str, zone: str = "Europe/Berlin") -> int:
        return self._add(Location(name=name, address="", time_zone=zone))

    def service(self, name: str, minutes: int, *, at: Iterable[int] = (),
                local_to: int | None = None) -> int:
        return self._add(Service(name=name, kind=ServiceKind.SINGLE.value,
                                 duration_minutes=minutes, location_id=local_to,
                                 offered_at=[ServiceLocation(location_id=x) for x in at]))

    def combined(self, name: str, parts: list[int], *, at: Iterable[int]) -> int:
        with self.db.session() as session:
            minutes = sum(session.get(Service, p).duration_minutes for p in parts)
        return self._add(Service(
            name=name, kind=ServiceKind.COMBINED.value, duration_minutes=minutes,
            parts=[ServicePart(position=n, part_id=p) for n, p in enumerate(parts)],
            offered_at=[ServiceLocation(location_id=x) for x in at]))

    def resource(self, location_id: int, name: str) -> int:
        return self._add(Resource(location_id=location_id, name=name,
                                  feed_token=secrets.token_urlsafe(32)))

    def hours(self, resource_id: int, kind: HoursKind, start: str, end: str,
              weekdays: Iterable[int] = EVERY_DAY) -> None:
        with self.db.session() as session:
            session.add_all(ResourceHours(resource_id=resource_id, kind=kind.value, weekday=d,
                                          start_minute=minute(start), end_minute=minute(end))
                            for d in weekdays)

    def exception(self, resource_id: int, day: date, kind: str, start: str | None = None,
                  end: str | None = None) -> None:
        self._add(ResourceException(
            resource_id=resource_id, day=day, kind=kind,
            start_minute=minute(start) if start else None,
            end_minute=minute(end) if end else None))

    def customer(self, name: str, *, location_id: int | None = None,
                 phone: str | None = None) -> int:
        household = self._add(Customer(name=name))
        return self._add(CustomerUser(
            customer_id=household, name=name, location_id=location_id,
            phones=[CustomerUserPhone(e164=phone)] if phone else []))

    def agent(self, name: str = "Ana") -> int:
        return self._add(Agent(email=f"{name.lower()}@example.com", name=name))

    def _add(self, record) -> int:
        with self.db.session() as session:
            session.add(record)
            session.flush()
            return record.id


@pytest.fixture
def shop(db) -> Shop:
    return Shop(db)


@pytest.fixture
def finder(db, clock: ManualClock) -> SlotFinder:
    return SlotFinder(db, clock)


@pytest.fixture
def book(db, clock: ManualClock, finder: SlotFinder) -> BookingBook:
    return BookingBook(db, clock, finder)


@dataclass
class Berlin:
    """One location with one global 30-minute service and one resource, open
    online 09:00-12:00 and working 08:00-18:00 every day; a global customer."""

    location: int
    service: int
    anna: int
    customer: int


@pytest.fixture
def berlin_shop(shop: Shop) -> Berlin:
    location = shop.location("Berlin")
    service = shop.service("Haircut", 30, at=[location])
    anna = shop.resource(location, "Anna")
    shop.hours(anna, HoursKind.ONLINE, "09:00", "12:00")
    shop.hours(anna, HoursKind.WORKING, "08:00", "18:00")
    return Berlin(location, service, anna, shop.customer("Carla", phone="+4930123456"))
