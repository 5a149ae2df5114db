"""Mails about bookings: confirmation, reschedule and cancellation, to the customer
and to each resource, each with an iCalendar (.ics) attachment.

A customer gets one mail per change covering all of their bookings in it; a
resource gets one covering the bookings it takes part in.  The internal note
goes only to the resources.  A reschedule that moves the appointment to
another resource tells the old one it is cancelled and the new one it is
booked.  People without an e-mail address get nothing.  A mail that cannot
be handed on is logged, never an error of the booking: the booking stands.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

from sqlalchemy import select

from ringback.booking_bridge.ical import (
    CalendarEvent,
    booking_uid,
    calendar_bytes,
    change_sequence,
)
from ringback.booking_bridge.listing import BookingLine, BookingListing, utc
from ringback.clock import Clock
from ringback.console.mail import Attachment, Mailer, MailMessage
from ringback.store.bookings import Booking, Location, Resource
from ringback.store.customers import CustomerUser
from ringback.store.db import Database

log = logging.getLogger(__name__)


class Change(str, enum.Enum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


_SUBJECT = {Change.BOOKED: "Booked", Change.RESCHEDULED: "Moved",
            Change.CANCELLED: "Cancelled"}
_CUSTOMER_OPENING = {
    Change.BOOKED: "your appointment is booked:",
    Change.RESCHEDULED: "your appointment has moved to a new time:",
    Change.CANCELLED: "your appointment is cancelled:",
}
_RESOURCE_OPENING = {
    Change.BOOKED: "a new booking for you:",
    Change.RESCHEDULED: "a booking of yours has moved to a new time:",
    Change.CANCELLED: "a booking of yours is cancelled:",
}


@dataclass(frozen=True)
class _Person:
    name: str
    email: str | None
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Item:
    """One booking in one mail: how it reads, and the times of the event."""

    booking: Booking
    line: BookingLine
    change: Change
    before: BookingLine | None = None  # a reschedule's old time


class BookingNotices:
    """Writes and sends the booking mails through the mailer (SMTP job or outbox)."""

    def __init__(self, db: Database, mailer: Mailer, clock: Clock, *, public_base_url: str,
                 sender: str, listing: BookingListing | None = None) -> None:
        self._db = db
        self._mailer = mailer
        self._clock = clock
        self._host = urlparse(public_base_url).hostname or "localhost"
        self._sender = sender
        self._listing = listing or BookingListing(db)

    def booked(self, bookings: Sequence[Booking], *, notify_customer: bool = True,
               notify_resource: bool = True) -> list[MailMessage]:
        """Confirm new bookings; the mails sent."""
        lines = self._listing.lines(bookings)
        items = [_Item(b, line, Change.BOOKED) for b, line in zip(bookings, lines, strict=True)]
        return self._send(items, items, notify_customer, notify_resource)

    def rescheduled(self, before: Booking, after: Booking, *, notify_customer: bool = True,
                    notify_resource: bool = True) -> list[MailMessage]:
        """Tell of a moved booking (``before``: as it was read before the move)."""
        old, new = self._listing.lines([before, after])
        moved = _Item(after, new, Change.RESCHEDULED, before=old)
        old_ids = {p.resource_id for p in before.parts}
        new_ids = {p.resource_id for p in after.parts}
        for_resources = [_Item(after, new, Change.BOOKED)] if new_ids - old_ids else []
        if old_ids - new_ids:
            for_resources.append(_Item(before, old, Change.CANCELLED))
        if old_ids & new_ids:
            for_resources.append(moved)
        return self._send([moved], for_resources, notify_customer, notify_resource,
                          sequence_of=after)

    def cancelled(self, bookings: Sequence[Booking], *, notify_customer: bool = True,
                  notify_resource: bool = True) -> list[MailMessage]:
        lines = self._listing.lines(bookings)
        items = [_Item(b, line, Change.CANCELLED)
                 for b, line in zip(bookings, lines, strict=True)]
        return self._send(items, items, notify_customer, notify_resource)

    # -- inside ------------------------------------------------------------------

    def _send(self, for_customer: list[_Item], for_resources: list[_Item],
              notify_customer: bool, notify_resource: bool, *,
              sequence_of: Booking | None = None) -> list[MailMessage]:
        if not (notify_customer and for_customer) and not (notify_resource and for_resources):
            return []
        try:
            mails = self._compose(for_customer, for_resources, notify_customer,
                                  notify_resource, sequence_of)
        except Exception:  # the booking stands; the mail is the lesser loss
            log.exception("booking mails could not be written")
            return []
        for mail in mails:
            try:
                self._mailer.send(mail)
            except Exception:
                log.exception("booking mail to %s could not be handed on", mail.to)
        return mails

    def _compose(self, for_customer: list[_Item], for_resources: list[_Item],
                 notify_customer: bool, notify_resource: bool,
                 sequence_of: Booking | None) -> list[MailMessage]:
        customers, resources, addresses = self._people(for_customer + for_resources)
        mails: list[MailMessage] = []
        if notify_customer:
            by_customer: dict[int, list[_Item]] = {}
            for item in for_customer:
                by_customer.setdefault(item.booking.customer_user_id, []).append(item)
            for customer_id, items in by_customer.items():
                person = customers.get(customer_id)
                if person and person.email:
                    mails.append(self._customer_mail(person, items, addresses, sequence_of))
        if notify_resource:
            for resource_id, person in resources.items():
                if not person.email:
                    continue
                mine = [item for item in for_resources
                        if any(p.resource_id == resource_id for p in item.booking.parts)]
                if mine:
                    mails.append(self._resource_mail(resource_id, person, mine, customers,
                                                     addresses, sequence_of))
        return mails

    def _customer_mail(self, person: _Person, items: list[_Item], addresses: dict[int, str],
                       sequence_of: Booking | None) -> MailMessage:
        lines = [f"Hello {person.name},", "", _opening(items, _CUSTOMER_OPENING), ""]
        for item in items:
            lines += _describe(item, addresses)
        lines += [_closing(items), ""]
        events = [self._event(item, addresses, person, sequence_of, note=False)
                  for item in items]
        return MailMessage(person.email or "", _subject(items), "\n".join(lines),
                           (self._attachment(items, events, person),))

    def _resource_mail(self, resource_id: int, person: _Person, items: list[_Item],
                       customers: dict[int, _Person], addresses: dict[int, str],
                       sequence_of: Booking | None) -> MailMessage:
        lines = [f"Hello {person.name},", "", _opening(items, _RESOURCE_OPENING), ""]
        for item in items:
            lines += _describe(item, addresses, customer=customers.get(
                item.booking.customer_user_id), note=True)
        lines += [_closing(items), ""]
        events = [self._event(item, addresses, person, sequence_of, note=True,
                              resource_id=resource_id,
                              customer=customers.get(item.booking.customer_user_id))
                  for item in items]
        return MailMessage(person.email or "", _subject(items), "\n".join(lines),
                           (self._attachment(items, events, person),))

    def _event(self, item: _Item, addresses: dict[int, str], person: _Person,
               sequence_of: Booking | None, *, note: bool, resource_id: int | None = None,
               customer: _Person | None = None) -> CalendarEvent:
        booking, line = item.booking, item.line
        starts, ends = utc(booking.starts_at), utc(booking.ends_at)
        if resource_id is not None:  # the resource's own part(s) of a combined service
            mine = [p for p in booking.parts if p.resource_id == resource_id]
            if mine:
                starts = min(utc(p.starts_at) for p in mine)
                ends = max(utc(p.ends_at) for p in mine)
        text = [f"{line.service} at {line.location}, {line.when} ({line.zone})"]
        if customer is not None:
            text.append(_customer_text(customer))
        if note and booking.note:
            text.append(f"Internal note: {booking.note}")
        summary = line.service if customer is None else f"{line.service}: {customer.name}"
        return CalendarEvent(
            uid=booking_uid(booking.id, self._host), starts_at=starts, ends_at=ends,
            summary=summary, location=_place(line, addresses), description="\n".join(text),
            sequence=change_sequence(
                (sequence_of or booking).created_at, (sequence_of or booking).updated_at,
                changed=sequence_of is not None or item.change != Change.BOOKED),
            cancelled=item.change == Change.CANCELLED,
            attendee=person.email, attendee_name=person.name)

    def _attachment(self, items: list[_Item], events: list[CalendarEvent],
                    person: _Person) -> Attachment:
        cancelling = all(item.change == Change.CANCELLED for item in items)
        method = "CANCEL" if cancelling else "REQUEST"
        stamp = datetime.fromtimestamp(self._clock.now(), UTC)
        data = calendar_bytes(events, stamp=stamp, method=method, organizer=self._sender,
                              organizer_name=items[0].line.location)
        name = f"booking-{items[0].booking.id}.ics" if len(items) == 1 else "bookings.ics"
        return Attachment(name, f"text/calendar; method={method}", data)

    def _people(self, items: Iterable[_Item]
                ) -> tuple[dict[int, _Person], dict[int, _Person], dict[int, str]]:
        bookings = [item.booking for item in items]
        customer_ids = {b.customer_user_id for b in bookings}
        resource_ids = {p.resource_id for b in bookings for p in b.parts}
        location_ids = {b.location_id for b in bookings}
        with self._db.session() as session:
            customers = {u.id: _Person(u.name, u.email, tuple(p.e164 for p in u.phones))
                         for u in session.scalars(select(CustomerUser).where(
                             CustomerUser.id.in_(customer_ids)))}
            resources = {r.id: _Person(r.name, r.email) for r in session.scalars(
                select(Resource).where(Resource.id.in_(resource_ids)).order_by(Resource.id))}
            addresses = {row.id: row.address for row in session.execute(
                select(Location.id, Location.address).where(Location.id.in_(location_ids)))}
        return customers, resources, addresses


def _subject(items: list[_Item]) -> str:
    change = items[0].change
    if len(items) == 1:
        line = items[0].line
        return f"{_SUBJECT[change]}: {line.service} on {line.when}"
    return f"{_SUBJECT[change]}: {len(items)} appointments"


def _opening(items: list[_Item], openings: dict[Change, str]) -> str:
    text = openings[items[0].change]
    if len(items) > 1:
        text = text.replace("your appointment is", "your appointments are").replace(
            "a new booking for you", "new bookings for you").replace(
            "a booking of yours is", "bookings of yours are")
    return text


def _describe(item: _Item, addresses: dict[int, str], *, customer: _Person | None = None,
              note: bool = False) -> list[str]:
    line = item.line
    text = [f"  {line.service}", f"  {line.when} ({line.zone})"]
    if item.before is not None:
        text.append(f"  (was {item.before.when})")
    text.append(f"  {_place(line, addresses)}")
    if line.resources:
        text.append(f"  with {', '.join(line.resources)}")
    if customer is not None:
        text.append(f"  {_customer_text(customer)}")
    if note and item.booking.note:
        text.append(f"  Internal note: {item.booking.note}")
    return [*text, ""]


def _closing(items: list[_Item]) -> str:
    if all(item.change == Change.CANCELLED for item in items):
        return "The attached calendar file removes it from your calendar."
    return "The attached calendar file adds it to your calendar."


def _customer_text(customer: _Person) -> str:
    reach = [*customer.phones, *([customer.email] if customer.email else [])]
    return f"Customer: {customer.name}" + (f" ({', '.join(reach)})" if reach else "")


def _place(line: BookingLine, addresses: dict[int, str]) -> str:
    address = addresses.get(line.location_id, "")
    return f"{line.location}, {address}" if address else line.location

