"""Booking, rescheduling and cancelling appointments, with no double booking.

A chosen start is booked only when it is a free slot right now: the slot
finder places it, and the write transaction claims its resources
(``ringback.booking_bridge.claim``). A writer that loses a race plans once
more on what is committed now (another resource may still be free) before
it answers ``SlotTaken``. Password checks belong to the web edge.

Returned bookings carry aware UTC datetimes on every database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ringback.booking_bridge import claim
from ringback.booking_bridge.hours import LocalDay, from_minutes, to_minutes
from ringback.booking_bridge.slots import MAX_DAYS, SLOT_STEP_MINUTES, Slot, SlotFinder
from ringback.clock import Clock
from ringback.console.account_settings import ResourceAvailability
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import row_id
from ringback.store.bookings import (
    MAX_NOTE,
    Booking,
    BookingPart,
    BookingStatus,
    Location,
)
from ringback.store.customers import CustomerUser, CustomerUserPhone
from ringback.store.db import Database
from ringback.store.models import Agent

MAX_SELECTED = 30
MAX_CALL_REF = 64
ATTEMPTS = 2
BOOKED = BookingStatus.BOOKED.value

Writer = Callable[[Session, list[Slot]], list[tuple[Booking, Slot]]]


class SlotTaken(Conflict):
    """The chosen slot is no longer free (usually: another agent just booked it)."""

    def __init__(self, starts_at: datetime) -> None:
        self.starts_at = starts_at
        super().__init__("this slot was just taken; pick another")


class BookingBook:
    """Bookings: made, moved and cancelled here; read for pages and the IVR."""

    def __init__(self, db: Database, clock: Clock, slots: SlotFinder) -> None:
        self._db = db
        self._clock = clock
        self._slots = slots

    # -- changes ---------------------------------------------------------------

    def book(self, customer_user_id: int, service_id: int, location_id: int,
             starts: Sequence[datetime], *, note: str = "", agent_id: int | None = None,
             call_ref: str | None = None, multiple_allowed: bool,
             availability: ResourceAvailability) -> list[Booking]:
        """One booking per start, all or none; each start must be a free slot now."""
        times = _starts(starts, multiple_allowed)
        errors: dict[str, str] = {}
        if len(note) > MAX_NOTE:
            errors["note"] = f"must be at most {MAX_NOTE} characters"
        if call_ref is not None and len(call_ref) > MAX_CALL_REF:
            errors["call_ref"] = f"must be at most {MAX_CALL_REF} characters"
        if errors:
            raise ValidationError(errors)
        self._check_people(customer_user_id, location_id, agent_id)

        def write(session: Session, slots: list[Slot]) -> list[tuple[Booking, Slot]]:
            made = [Booking(customer_user_id=customer_user_id, service_id=service_id,
                            location_id=location_id, starts_at=slot.starts_at,
                            ends_at=slot.ends_at, note=note, status=BOOKED,
                            booked_by_agent_id=agent_id, call_ref=call_ref)
                    for slot in slots]
            session.add_all(made)
            session.flush()
            return list(zip(made, slots, strict=True))

        return self._claimed(service_id, location_id, times, availability, write)

    def reschedule(self, booking_id: int, new_start: datetime, *,
                   availability: ResourceAvailability,
                   location_id: int | None = None) -> Booking:
        """Move a booking to another free slot of its service at its location."""
        current = self.get(booking_id)
        if location_id is not None and row_id(location_id) != current.location_id:
            raise ValidationError({"location_id": "cannot change when rescheduling; "
                                                  "cancel and book again"})
        if current.status != BOOKED:
            raise Conflict("this booking is cancelled; book again instead")
        times = _starts([new_start], False)

        def write(session: Session, slots: list[Slot]) -> list[tuple[Booking, Slot]]:
            booking = session.get(Booking, current.id)
            if booking is None or booking.status != BOOKED:
                raise Conflict("this booking was cancelled meanwhile")
            session.execute(delete(BookingPart).where(BookingPart.booking_id == booking.id))
            booking.starts_at, booking.ends_at = slots[0].starts_at, slots[0].ends_at
            return [(booking, slots[0])]

        old = [p.resource_id for p in current.parts]
        return self._claimed(current.service_id, current.location_id, times, availability,
                             write, moving=current.id, also_holding=old)[0]

    def cancel(self, booking_ids: Sequence[int]) -> list[Booking]:
        """Cancel up to MAX_SELECTED bookings of one customer, all still booked."""
        ids = _booking_ids(booking_ids)
        with self._db.session() as session:
            found = {b.id: b for b in session.scalars(select(Booking).where(Booking.id.in_(ids)))}
        for key in ids:
            if key not in found:
                raise NotFound("booking", key)
        if len({b.customer_user_id for b in found.values()}) > 1:
            raise ValidationError({"booking_ids": "must all be bookings of one customer"})
        done = [key for key in ids if found[key].status != BOOKED]
        if done:
            raise Conflict(f"booking {done[0]} is already cancelled")
        resources = [p.resource_id for b in found.values() for p in b.parts]
        now = self._now()
        with _writing(self._db) as session:
            claim.hold(session, resources)
            changed = cast(CursorResult[Any], session.execute(
                update(Booking).where(Booking.id.in_(ids), Booking.status == BOOKED)
                .values(status=BookingStatus.CANCELLED.value, cancelled_at=now)
                .execution_options(synchronize_session=False))).rowcount
            if changed != len(ids):
                raise Conflict("one of these bookings was cancelled at the same moment; "
                               "read them again")
            session.execute(update(BookingPart).where(BookingPart.booking_id.in_(ids))
                            .values(active=False).execution_options(synchronize_session=False))
            claim.release(session, resources)
        return self._read(select(Booking).where(Booking.id.in_(ids)).order_by(Booking.starts_at,
                                                                              Booking.id))

    # -- reads -------------------------------------------------------------------

    def get(self, booking_id: int) -> Booking:
        key = row_id(booking_id)
        found = self._read(select(Booking).where(Booking.id == key)) if key else []
        if not found:
            raise NotFound("booking", booking_id)
        return found[0]

    def for_customer(self, customer_user_id: int) -> tuple[list[Booking], list[Booking]]:
        """(upcoming: still booked and not yet begun, soonest first;
        previous: begun or cancelled, latest first)."""
        with self._db.session() as session:
            _customer(session, customer_user_id)
        every = self._read(select(Booking).where(Booking.customer_user_id == customer_user_id)
                           .order_by(Booking.starts_at, Booking.id))
        now = self._now()
        upcoming = [b for b in every if b.status == BOOKED and b.starts_at > now]
        chosen = {b.id for b in upcoming}
        return upcoming, [b for b in reversed(every) if b.id not in chosen]

    def next_upcoming_by_phone(self, e164: str) -> Booking | None:
        """The soonest booking still to come of a global customer with this number."""
        found = self._read(
            select(Booking)
            .join(CustomerUser, CustomerUser.id == Booking.customer_user_id)
            .where(CustomerUser.location_id.is_(None),
                   CustomerUser.id.in_(select(CustomerUserPhone.customer_user_id)
                                       .where(CustomerUserPhone.e164 == e164)),
                   Booking.status == BOOKED, Booking.starts_at > self._now())
            .order_by(Booking.starts_at, Booking.id).limit(1))
        return found[0] if found else None

    def calendar(self, location_id: int, start_day: date, days: int,
                 resource_id: int | None = None) -> list[Booking]:
        """Booked appointments of the location (or one resource) touching ``days``
        local days from ``start_day``, in time order."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise ValidationError({"days": f"must be a whole number from 1 to {MAX_DAYS}"})
        zone = self._slots.zone_of(location_id)
        if resource_id is not None and row_id(resource_id) is None:
            raise NotFound("resource", resource_id)
        start = LocalDay(start_day, zone).instant(0)
        end = LocalDay(date.fromordinal(start_day.toordinal() + days - 1), zone).instant(
            24 * 60, end=True)
        query = select(Booking).where(Booking.location_id == row_id(location_id),
                                      Booking.status == BOOKED,
                                      Booking.starts_at < from_minutes(end),
                                      Booking.ends_at > from_minutes(start))
        if resource_id is not None:
            query = query.where(Booking.id.in_(select(BookingPart.booking_id)
                                               .where(BookingPart.resource_id == resource_id)))
        return self._read(query.order_by(Booking.starts_at, Booking.id))

    def customer_locations(self, customer_user_id: int) -> list[Location]:
        """The locations where the customer has booked, by name."""
        with self._db.session() as session:
            _customer(session, customer_user_id)
            return list(session.scalars(
                select(Location).where(Location.id.in_(
                    select(Booking.location_id)
                    .where(Booking.customer_user_id == customer_user_id)))
                .order_by(Location.name, Location.id)))

    # -- inside --------------------------------------------------------------------

    def _claimed(self, service_id: int, location_id: int, times: list[datetime],
                 availability: ResourceAvailability, write: Writer, *,
                 moving: int | None = None, also_holding: Sequence[int] = ()) -> list[Booking]:
        for _ in range(ATTEMPTS):
            planned = self._slots.plan(service_id, location_id, times, availability, moving)
            slots = [slot if slot is not None else self._refuse(service_id, location_id, when,
                                                                availability, moving)
                     for when, slot in zip(times, planned, strict=True)]
            resources = [*also_holding, *(p.resource_id for s in slots for p in s.parts)]
            try:
                with _writing(self._db) as session:
                    claim.hold(session, resources)  # first: SQLite's write lock
                    claim.check_free(session, slots, moving)
                    placed = write(session, slots)
                    claim.add_parts(session, placed)
                    claim.release(session, resources)
                    ids = [booking.id for booking, _ in placed]
            except claim.Lost:
                continue
            return self._read(select(Booking).where(Booking.id.in_(ids))
                              .order_by(Booking.starts_at, Booking.id))
        raise SlotTaken(times[0])

    def _refuse(self, service_id: int, location_id: int, when: datetime,
                availability: ResourceAvailability, moving: int | None) -> Slot:
        """Why a start has no free slot: never one (bad input), or taken."""
        ever = self._slots.plan(service_id, location_id, [when], availability, moving,
                                ignore_bookings=True)[0]
        if ever is None:
            raise ValidationError({"starts": (
                f"{when.isoformat()} is not a start this service has at this location: "
                f"outside the resources' hours, off the {SLOT_STEP_MINUTES}-minute grid "
                "or in the past")})
        raise SlotTaken(when)

    def _check_people(self, customer_user_id: int, location_id: int,
                      agent_id: int | None) -> None:
        with self._db.session() as session:
            user = _customer(session, customer_user_id)
            if user.location_id is not None and user.location_id != row_id(location_id):
                raise ValidationError({"customer_user_id": (
                    "is a customer of another location; only that location can book "
                    "for them")})
            if agent_id is not None:
                key = row_id(agent_id)
                if key is None or session.get(Agent, key) is None:
                    raise NotFound("agent", agent_id)

    def _read(self, query: Select[Any]) -> list[Booking]:
        with self._db.session() as session:
            return [_aware(b) for b in session.scalars(query)]

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)


@contextmanager
def _writing(db: Database) -> Iterator[Session]:
    """A unit of work where PostgreSQL's overlap refusal is ``claim.Lost`` and any
    other clash with a concurrent change (a customer removed) a Conflict."""
    try:
        with db.session() as session:
            yield session
    except DBAPIError as failed:
        if claim.is_overlap(failed):
            raise claim.Lost() from None
        if not isinstance(failed, IntegrityError):
            raise
        raise Conflict("this record changed at the same moment in another request; "
                       "read it again and repeat the change") from None


def _starts(starts: Sequence[datetime], multiple_allowed: bool) -> list[datetime]:
    times = list(starts)
    if not times:
        raise ValidationError({"starts": "pick at least one time"})
    if len(times) > 1 and not multiple_allowed:
        raise ValidationError({"starts": "pick one time: Multiple Slot Selection is off"})
    if len(times) > MAX_SELECTED:
        raise ValidationError({"starts": f"pick at most {MAX_SELECTED} times at once"})
    if not all(isinstance(t, datetime) for t in times):
        raise ValidationError({"starts": "must be date-times"})
    if any(t.second or t.microsecond for t in times):
        raise ValidationError({"starts": "must be whole minutes"})
    exact = [from_minutes(to_minutes(t)) for t in times]
    if len(set(exact)) != len(exact):
        raise ValidationError({"starts": "each time may be picked once"})
    return exact


def _booking_ids(booking_ids: Sequence[int]) -> list[int]:
    raw = list(booking_ids)
    if not raw:
        raise ValidationError({"booking_ids": "pick at least one booking"})
    if len(raw) > MAX_SELECTED:
        raise ValidationError({"booking_ids": f"at most {MAX_SELECTED} bookings at once; "
                                              f"{len(raw)} were picked"})
    ids = [row_id(value) for value in raw]
    for value, key in zip(raw, ids, strict=True):
        if key is None:
            raise NotFound("booking", value)
    return list(dict.fromkeys(key for key in ids if key is not None))


def _customer(session: Session, customer_user_id: int) -> CustomerUser:
    key = row_id(customer_user_id)
    user = session.get(CustomerUser, key) if key is not None else None
    if user is None:
        raise NotFound("customer user", customer_user_id)
    return user


def _aware(booking: Booking) -> Booking:
    """SQLite hands back naive datetimes (UTC): give them their zone, without
    marking the record changed."""
    for record, names in [(booking, ("starts_at", "ends_at", "created_at", "updated_at",
                                     "cancelled_at")),
                          *((part, ("starts_at", "ends_at")) for part in booking.parts)]:
        for name in names:
            value = getattr(record, name)
            if value is not None and value.tzinfo is None:
                set_committed_value(record, name, value.replace(tzinfo=UTC))
    return booking
