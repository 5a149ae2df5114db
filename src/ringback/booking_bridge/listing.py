"""Bookings as people read them: names instead of ids, times in the location's zone.

The console's booking pages, the calendar and the mails show bookings this
way; one read of the names involved serves a whole list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ringback.store.bookings import Booking, Location, Resource, Service
from ringback.store.customers import CustomerUser
from ringback.store.db import Database


@dataclass(frozen=True)
class BookingLine:
    """One booking, ready to show."""

    id: int
    status: str
    customer_user_id: int
    customer: str
    service_id: int
    service: str
    location_id: int
    location: str
    zone: str
    starts: datetime  # local time of the location
    ends: datetime
    resources: tuple[str, ...]
    resource_ids: tuple[int, ...]
    note: str
    call_ref: str | None

    @property
    def when(self) -> str:
        """E.g. "Tue 8 Dec 2026, 10:30-11:00"."""
        return f"{self.starts:%a} {self.starts.day} {self.starts:%b %Y, %H:%M}–{self.ends:%H:%M}"

    @property
    def booked(self) -> bool:
        return self.status == "booked"


def utc(when: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class BookingListing:
    """Turns booking records into ``BookingLine`` s."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def lines(self, bookings: Sequence[Booking]) -> list[BookingLine]:
        if not bookings:
            return []
        service_ids = {b.service_id for b in bookings}
        location_ids = {b.location_id for b in bookings}
        resource_ids = {p.resource_id for b in bookings for p in b.parts}
        customer_ids = {b.customer_user_id for b in bookings}
        with self._db.session() as session:
            services = dict(session.execute(
                select(Service.id, Service.name).where(Service.id.in_(service_ids))).all())
            locations = {row.id: row for row in session.execute(
                select(Location.id, Location.name, Location.time_zone)
                .where(Location.id.in_(location_ids)))}
            resources = dict(session.execute(
                select(Resource.id, Resource.name).where(Resource.id.in_(resource_ids))).all())
            customers = dict(session.execute(
                select(CustomerUser.id, CustomerUser.name)
                .where(CustomerUser.id.in_(customer_ids))).all())
        lines = []
        for b in bookings:
            place = locations[b.location_id]
            zone = ZoneInfo(place.time_zone)
            ids = tuple(dict.fromkeys(p.resource_id for p in b.parts))
            lines.append(BookingLine(
                id=b.id, status=b.status, customer_user_id=b.customer_user_id,
                customer=customers.get(b.customer_user_id, ""),
                service_id=b.service_id, service=services.get(b.service_id, ""),
                location_id=b.location_id, location=place.name, zone=place.time_zone,
                starts=utc(b.starts_at).astimezone(zone), ends=utc(b.ends_at).astimezone(zone),
                resources=tuple(resources.get(i, "") for i in ids), resource_ids=ids,
                note=b.note, call_ref=b.call_ref))
        return lines
