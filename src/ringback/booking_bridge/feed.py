"""A resource's private calendar feed: ``/calendar/<token>.ics``.

Google Calendar, Outlook and Apple Calendar subscribe to the URL and fetch it
again every few hours; the secret token is the only key (the catalog renews
it when a URL leaks).  The feed holds the resource's booked appointments
from ``DAYS_BACK`` days ago onward: each event is the resource's own time in
the booking (its parts of a combined service), with the customer and the
internal note, which the resource may read.  Cancelled bookings drop out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.booking_bridge.ical import (
    CalendarEvent,
    booking_uid,
    calendar_bytes,
    change_sequence,
)
from ringback.clock import Clock
from ringback.store.bookings import (
    Booking,
    BookingPart,
    BookingStatus,
    Location,
    Resource,
    Service,
)
from ringback.store.customers import CustomerUser
from ringback.store.db import Database

DAYS_BACK = 30
MAX_EVENTS = 5000
REFRESH_MINUTES = 60


class CalendarFeed:
    """The iCalendar text of a resource's bookings, found by its feed token."""

    def __init__(self, db: Database, clock: Clock, *, public_base_url: str) -> None:
        self._db = db
        self._clock = clock
        self._catalog = BookingCatalog(db)
        self._host = urlparse(public_base_url).hostname or "localhost"

    def ics(self, token: str) -> bytes | None:
        """The feed of the resource whose token this is, or None (no such feed)."""
        resource = self._catalog.resource_by_feed_token(token)
        if resource is None:
            return None
        return self.for_resource(resource)

    def for_resource(self, resource: Resource) -> bytes:
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        since = now - timedelta(days=DAYS_BACK)
        with self._db.session() as session:
            location = session.get(Location, resource.location_id)
            bookings = list(session.scalars(
                select(Booking)
                .where(Booking.status == BookingStatus.BOOKED.value,
                       Booking.ends_at >= since,
                       Booking.id.in_(select(BookingPart.booking_id).where(
                           BookingPart.resource_id == resource.id,
                           BookingPart.active.is_(True))))
                .order_by(Booking.starts_at, Booking.id).limit(MAX_EVENTS)))
            services = {row.id: row.name for row in session.execute(
                select(Service.id, Service.name).where(
                    Service.id.in_({b.service_id for b in bookings})))}
            customers = {user.id: user for user in session.scalars(
                select(CustomerUser).where(
                    CustomerUser.id.in_({b.customer_user_id for b in bookings})))}
        zone_name = location.time_zone if location is not None else "UTC"
        zone = ZoneInfo(zone_name)
        place = ""
        if location is not None:
            place = f"{location.name}, {location.address}" if location.address \
                else location.name
        events = []
        for booking in bookings:
            mine = [p for p in booking.parts if p.resource_id == resource.id and p.active]
            starts = min(_utc(p.starts_at) for p in mine)
            ends = max(_utc(p.ends_at) for p in mine)
            service = services.get(booking.service_id, "Booking")
            customer = customers.get(booking.customer_user_id)
            who = customer.name if customer is not None else ""
            text = [f"{service}, {starts.astimezone(zone):%a %d %b %Y %H:%M}"
                    f"–{ends.astimezone(zone):%H:%M} ({zone_name})"]
            if customer is not None:
                reach = [*(p.e164 for p in customer.phones),
                         *([customer.email] if customer.email else [])]
                text.append(f"Customer: {who}" + (f" ({', '.join(reach)})" if reach else ""))
            if booking.note:
                text.append(f"Internal note: {booking.note}")
            events.append(CalendarEvent(
                uid=booking_uid(booking.id, self._host), starts_at=starts, ends_at=ends,
                summary=f"{service}: {who}" if who else service, location=place,
                description="\n".join(text),
                sequence=change_sequence(booking.created_at, booking.updated_at,
                                         changed=False)))
        return calendar_bytes(events, stamp=now, name=f"{resource.name} (ringback)",
                              zone=zone_name, refresh_minutes=REFRESH_MINUTES)


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)
