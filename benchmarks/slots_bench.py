"""Free-slot benchmark: one service over 50 resources and 30 days, with 5,000
existing bookings.

    python benchmarks/slots_bench.py             # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/slots_bench.py

With DATABASE_URL a fresh database is created beside the one named and dropped
at the end, so no real data is touched. One location (Europe/Berlin, whose
spring-forward day falls inside the 30 days) has 50 resources open online
08:00-18:00 Monday to Saturday, some with a closed day or extra hours; 5,000
bookings of 30 to 90 minutes are seeded through bulk SQL where they fit.
``SlotFinder.free_slots`` then searches a 30-minute service over the 30 days,
alternating sample by sample with the baseline: the same sessions reading the
active booking parts of those resources and days alone, the rows the search
itself must read. The last line's C is that baseline's median: the ratio is
what a search costs at its p99 over a plain read of its bookings. The target
is a p99 under 50 ms.
"""

from __future__ import annotations

import gc
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench_database import temporary_database
from sqlalchemy import insert, select

from ringback.booking_bridge.hours import LocalDay, from_minutes
from ringback.booking_bridge.slots import SlotFinder
from ringback.clock import ManualClock
from ringback.console.account_settings import ResourceAvailability
from ringback.store.bookings import (
    Booking,
    BookingPart,
    Location,
    Resource,
    ResourceException,
    ResourceHours,
    Service,
    ServiceLocation,
)
from ringback.store.customers import Customer, CustomerUser
from ringback.store.db import Database
from ringback.store.migrate import upgrade

RESOURCES = 50
DAYS = 30
BOOKINGS = 5000
SAMPLES = 300
FIRST_DAY = date(2027, 3, 15)
ZONE = ZoneInfo("Europe/Berlin")
OPEN, CLOSE = 8 * 60, 18 * 60


def seed(db: Database) -> tuple[int, int, list[int], int]:
    """The location, the service, the resource ids and the bookings placed."""
    rng = random.Random(11)
    days = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
    with db.engine.begin() as conn:
        conn.execute(insert(Location), [{"id": 1, "name": "Berlin", "address": "",
                                         "time_zone": ZONE.key}])
        conn.execute(insert(Service), [{"id": 1, "name": "Haircut", "kind": "single",
                                        "duration_minutes": 30, "location_id": None}])
        conn.execute(insert(ServiceLocation), [{"service_id": 1, "location_id": 1}])
        conn.execute(insert(Customer), [{"id": 1, "name": "Walk-ins"}])
        conn.execute(insert(CustomerUser), [{"id": 1, "customer_id": 1, "name": "Carla"}])
        ids = list(range(1, RESOURCES + 1))
        conn.execute(insert(Resource), [{"id": r, "location_id": 1, "name": f"Staff {r:02d}",
                                         "feed_token": secrets.token_urlsafe(32)}
                                        for r in ids])
        conn.execute(insert(ResourceHours), [
            {"resource_id": r, "kind": kind, "weekday": d, "start_minute": OPEN,
             "end_minute": CLOSE}
            for r in ids for kind in ("online", "working") for d in range(6)])
        conn.execute(insert(ResourceException), [
            {"resource_id": r, "day": days[r % DAYS], "kind": "closed", "note": ""}
            for r in ids[::5]] + [
            {"resource_id": r, "day": days[(r * 7) % DAYS], "kind": "extra",
             "start_minute": CLOSE, "end_minute": CLOSE + 120, "note": ""}
            for r in ids[::7]])
        bookings, parts = [], []
        taken: dict[tuple[int, date], list[tuple[int, int]]] = {}
        while len(bookings) < BOOKINGS:
            resource, day = rng.choice(ids), rng.choice(days)
            if day.weekday() == 6:
                continue
            length = rng.choice((30, 45, 60, 90))
            start = OPEN + 15 * rng.randrange((CLOSE - OPEN - length) // 15 + 1)
            busy = taken.setdefault((resource, day), [])
            if any(s < start + length and start < e for s, e in busy):
                continue
            busy.append((start, start + length))
            local = LocalDay(day, ZONE)
            begins, ends = from_minutes(local.instant(start)), from_minutes(
                local.instant(start + length, end=True))
            n = len(bookings) + 1
            bookings.append({"id": n, "customer_user_id": 1, "service_id": 1,
                             "location_id": 1, "starts_at": begins, "ends_at": ends,
                             "note": "", "status": "booked"})
            parts.append({"booking_id": n, "resource_id": resource, "service_id": 1,
                          "starts_at": begins, "ends_at": ends, "active": True})
        conn.execute(insert(Booking), bookings)
        conn.execute(insert(BookingPart), parts)
    return 1, 1, ids, len(bookings)


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def read_alone(db: Database, resource_ids: list[int], window: tuple[datetime, datetime]
               ) -> int:
    """The baseline: the active parts of the resources in the window, fetched."""
    with db.session() as session:
        return len(session.execute(
            select(BookingPart.resource_id, BookingPart.starts_at, BookingPart.ends_at)
            .where(BookingPart.active.is_(True), BookingPart.resource_id.in_(resource_ids),
                   BookingPart.starts_at < window[1], BookingPart.ends_at > window[0])).all())


def measure(db: Database, location: int, service: int, resource_ids: list[int]
            ) -> tuple[list[float], list[float], int, int]:
    clock = ManualClock(datetime.combine(FIRST_DAY, datetime.min.time(), ZONE).timestamp())
    finder = SlotFinder(db, clock)
    window = (from_minutes(LocalDay(FIRST_DAY, ZONE).instant(0)),
              from_minutes(LocalDay(FIRST_DAY + timedelta(days=DAYS - 1), ZONE).instant(
                  24 * 60, end=True)))
    searches: list[float] = []
    baseline: list[float] = []
    slots = rows = 0
    for _ in range(SAMPLES):
        ms, found = timed(lambda: finder.free_slots(
            service, location, FIRST_DAY, days=DAYS,
            availability=ResourceAvailability.ONLINE_BOOKING_HOURS))
        searches.append(ms)
        slots = len(found)  # type: ignore[arg-type]
        del found  # as a request drops its slots once they are shown
        ms, count = timed(lambda: read_alone(db, resource_ids, window))
        baseline.append(ms)
        rows = count  # type: ignore[assignment]
    return searches, baseline, slots, rows


def main() -> int:
    with temporary_database("slots") as url:
        upgrade(url)
        db = Database.from_url(url)
        try:
            seconds, seeded = timed(lambda: seed(db))
            location, service, resource_ids, placed = seeded  # type: ignore[misc]
            print(f"seeded {RESOURCES} resources, {DAYS} days, {placed:,} bookings in "
                  f"{seconds / 1000:.1f} s ({db.engine.dialect.name})")
            # As the web process does (ringback.wsgi): what start-up built is frozen, so a
            # full collection does not rescan it in the middle of a search.
            gc.collect()
            gc.freeze()
            searches, baseline, slots, rows = measure(db, location, service, resource_ids)
        finally:
            db.dispose()
    print(f"{SAMPLES} searches of a 30-minute service over {DAYS} days: {slots:,} slots "
          f"offered; baseline: reading the {rows:,} booking parts alone")
    print(f"p99 ms: search {p99(searches):.2f}, bookings read {p99(baseline):.2f}; "
          "target: search p99 < 50")
    b, c = p99(searches), statistics.median(baseline)
    print(f"slot search ms: p50 {statistics.median(searches):.1f}, p99 {b:.1f}; "
          f"bookings read alone ms: {c:.1f}; ratio: {b / c:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
