"""The database's guarantee that two bookings never share a resource's time.

A check before an insert is not enough: two agents confirming the same slot
both see it free. So the writing transaction itself decides:

- SQLite: its first statement bumps ``bookings_version`` of every resource it
  touches. That takes SQLite's single write lock, so a second writer waits
  until the first commits; the overlap check that follows then sees every
  booking committed before, and a clash is refused (``Lost``).
- PostgreSQL: the exclusion constraint ``ex_booking_parts_no_overlap`` refuses
  the second of two overlapping active parts (``is_overlap``); the check
  before inserting only makes the usual case a clean refusal. Two inserts
  checking the constraint at the same moment each wait for the other, and
  PostgreSQL ends that with "deadlock detected" for one of them: that one
  lost too. The versions are bumped after the inserts, in id order, so
  bumping adds no deadlock of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ringback.booking_bridge.hours import to_minutes
from ringback.booking_bridge.slots import Slot, read_busy
from ringback.store.bookings import Booking, BookingPart, Resource

# PostgreSQL's SQLSTATEs: exclusion_violation, deadlock_detected.
LOST_RACE = frozenset({"23P01", "40P01"})


class Lost(Exception):
    """A part clashed with a booking committed meanwhile."""


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def hold(session: Session, resource_ids: Iterable[int]) -> None:
    """The first statement of a booking write (SQLite: it takes the write lock)."""
    if _sqlite(session):
        _bump(session, sorted(set(resource_ids)))


def release(session: Session, resource_ids: Iterable[int]) -> None:
    """The last statement of a booking write (PostgreSQL: the versions, in id order)."""
    if not _sqlite(session):
        ids = sorted(set(resource_ids))
        session.execute(select(Resource.id).where(Resource.id.in_(ids))
                        .order_by(Resource.id).with_for_update(key_share=True))
        _bump(session, ids)


def _bump(session: Session, ids: Sequence[int]) -> None:
    session.execute(update(Resource).where(Resource.id.in_(ids))
                    .values(bookings_version=Resource.bookings_version + 1))


def check_free(session: Session, slots: Sequence[Slot],
               exclude_booking_id: int | None = None) -> None:
    """Raise ``Lost`` when a part of the slots overlaps an active booking part."""
    parts = [p for slot in slots for p in slot.parts]
    window = (min(to_minutes(p.starts_at) for p in parts),
              max(to_minutes(p.ends_at) for p in parts))
    busy = read_busy(session, sorted({p.resource_id for p in parts}), window,
                     exclude_booking_id)
    for part in parts:
        start, end = to_minutes(part.starts_at), to_minutes(part.ends_at)
        taken = busy.get(part.resource_id)
        if taken is not None and taken.overlaps(start, end):
            raise Lost()


def add_parts(session: Session, placed: Sequence[tuple[Booking, Slot]]) -> None:
    """Insert the bookings' parts ordered by resource and time: two writers
    waiting on each other's parts (PostgreSQL) then always wait in one order."""
    rows = sorted(((part.resource_id, part.starts_at, booking.id, part)
                   for booking, slot in placed for part in slot.parts),
                  key=lambda row: (row[0], row[1], row[2]))
    session.add_all(BookingPart(booking_id=booking_id, resource_id=part.resource_id,
                                service_id=part.service_id, starts_at=part.starts_at,
                                ends_at=part.ends_at, active=True)
                    for _, _, booking_id, part in rows)
    session.flush()


def is_overlap(error: DBAPIError) -> bool:
    """True when PostgreSQL's exclusion constraint refused an overlapping part
    (or broke the tie of two writers checking it at once)."""
    return getattr(error.orig, "sqlstate", None) in LOST_RACE
