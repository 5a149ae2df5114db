"""Two agents confirm the same resource slot at the same moment, in two real
processes, round after round: exactly one booking per slot, and the other
agent is told the slot was just taken. Runs on the suite's database: SQLite
by default (the write lock taken first), PostgreSQL with DATABASE_URL (the
exclusion constraint)."""

from __future__ import annotations

import multiprocessing
import random
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ringback.store.bookings import Booking, BookingPart, BookingStatus, HoursKind
from tests.booking_bridge.conftest import ONLINE, berlin

ROUNDS = 40
JITTER_SECONDS = 0.002
FIRST = berlin("2027-02-01 08:00")


def _agent(url: str, name: str, customer: int, service: int, location: int,
           starts: list[datetime], clock_now: float, gate, results) -> None:
    """One agent's process: each round, past the gate, confirm that round's start."""
    from ringback.booking_bridge.bookings import BookingBook, SlotTaken
    from ringback.booking_bridge.slots import SlotFinder
    from ringback.clock import ManualClock
    from ringback.store.db import Database

    db = Database.from_url(url)
    clock = ManualClock(clock_now)
    book = BookingBook(db, clock, SlotFinder(db, clock))
    rng = random.Random(name)
    outcomes = []
    for start in starts:
        gate.wait(timeout=60)
        _spin(rng.random() * JITTER_SECONDS)  # vary who gets there first
        try:
            book.book(customer, service, location, [start], multiple_allowed=False,
                      availability=ONLINE)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        except Exception as failed:  # noqa: BLE001 - the test reports any other error
            outcomes.append(repr(failed))
    db.dispose()
    results.put((name, outcomes))


def _spin(seconds: float) -> None:
    """Busy-wait: a sleep this short would round up to the scheduler's tick."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


@pytest.mark.slow
@pytest.mark.race
def test_two_processes_confirming_one_slot_book_it_once_every_round(db, shop, clock):
    location = shop.location("Berlin")
    service = shop.service("Haircut", 30, at=[location])
    anna = shop.resource(location, "Anna")
    shop.hours(anna, HoursKind.ONLINE, "00:00", "24:00")
    customers = {"ana": shop.customer("Carla"), "ben": shop.customer("Dora")}
    starts = [FIRST + timedelta(minutes=30 * n) for n in range(ROUNDS)]
    url = db.engine.url.render_as_string(hide_password=False)

    ctx = multiprocessing.get_context("spawn")
    gate = ctx.Barrier(2)
    results = ctx.Queue()
    processes = [ctx.Process(target=_agent, args=(url, name, customer, service, location,
                                                  starts, clock.now(), gate, results))
                 for name, customer in customers.items()]
    for p in processes:
        p.start()
    try:
        outcomes = dict(results.get(timeout=90) for _ in processes)
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in processes] == [0, 0]

    for n in range(ROUNDS):
        got = sorted(outcomes[name][n] for name in customers)
        assert got == ["booked", "taken"], f"round {n}: {got}"
    with db.session() as session:
        per_start = dict(session.execute(
            select(Booking.starts_at, func.count())
            .where(Booking.status == BookingStatus.BOOKED.value)
            .group_by(Booking.starts_at)).all())
        parts = session.scalar(select(func.count()).select_from(BookingPart)
                               .where(BookingPart.active.is_(True)))
    assert sorted(per_start.values()) == [1] * ROUNDS
    assert parts == ROUNDS
    winners = {name: outcomes[name].count("booked") for name in customers}
    print(f"{ROUNDS} rounds on {db.engine.dialect.name}: won {winners}")
