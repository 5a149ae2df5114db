"""The IVR's self-service on the booking bridge: a caller's next appointment,
found by the number they call from, and cancelling it from the phone.

Only customers every location shares are found (location-only customers
never appear in the call centre), and only a booking of the calling number's
own customer can be cancelled this way; the cancellation mails are the ones
the console sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import select

from ringback.booking_bridge.bookings import BookingBook
from ringback.booking_bridge.listing import BookingListing
from ringback.customers.phones import caller_e164
from ringback.errors import RingbackError
from ringback.ivr.appointment import Appointment
from ringback.store.bookings import Booking
from ringback.store.customers import CustomerUser, CustomerUserPhone
from ringback.store.db import Database

log = logging.getLogger(__name__)


class CallerAppointments:
    """``ringback.ivr.appointment.Appointments`` over the booking records."""

    def __init__(self, db: Database, bookings: BookingBook, listing: BookingListing,
                 on_cancelled: Callable[[Sequence[Booking]], None] = lambda _b: None) -> None:
        self._db = db
        self._bookings = bookings
        self._listing = listing
        self._on_cancelled = on_cancelled

    def next_for(self, caller: str | None) -> Appointment | None:
        e164 = caller_e164(caller or "", None)
        booking = self._bookings.next_upcoming_by_phone(e164) if e164 else None
        if booking is None:
            return None
        line = self._listing.lines([booking])[0]
        return Appointment(line.id, line.service, line.location, line.starts)

    def cancel(self, booking_id: int, caller: str | None) -> bool:
        e164 = caller_e164(caller or "", None)
        if e164 is None:
            return False
        with self._db.session() as session:
            theirs = session.scalar(
                select(Booking.id)
                .join(CustomerUser, CustomerUser.id == Booking.customer_user_id)
                .join(CustomerUserPhone, CustomerUserPhone.customer_user_id == CustomerUser.id)
                .where(Booking.id == booking_id, CustomerUserPhone.e164 == e164,
                       CustomerUser.location_id.is_(None)))
        if theirs is None:
            return False
        try:
            cancelled = self._bookings.cancel([booking_id])
        except RingbackError as refused:  # cancelled meanwhile
            log.info("self-service could not cancel booking %s: %s", booking_id, refused)
            return False
        try:
            self._on_cancelled(cancelled)
        except Exception:  # the caller still hears it is cancelled: it is
            log.exception("the cancellation mails of booking %s could not be sent", booking_id)
        return True
