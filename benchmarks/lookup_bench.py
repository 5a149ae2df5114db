"""Caller lookup benchmark: who is calling, among 100,000 customer users.

    python benchmarks/lookup_bench.py             # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/lookup_bench.py

With DATABASE_URL a fresh database is created beside the one named and dropped
at the end, so no real data is touched. 100,000 customer users of 10,000
customers are seeded through bulk SQL (one or two numbers each, one line in
fifty shared by two people), then ``CustomerDirectory.find_by_phone`` looks up
callers whose number is written four ways (E.164 as Twilio sends it, spaced,
national with the business number's region, 0049...), alternating sample by
sample with a baseline: a customer user read by primary key through the same
database sessions. The target is a p99 under 20 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from ringback.customers import CustomerDirectory
from ringback.store.customers import Customer, CustomerUser, CustomerUserPhone
from ringback.store.db import Database
from ringback.store.migrate import upgrade

USERS = 100_000
PER_CUSTOMER = 10
SAMPLES = 2000
CHUNK = 5000


@contextmanager
def database() -> Iterator[str]:
    given = os.environ.get("DATABASE_URL")
    if not given:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/lookup.sqlite3"
        return
    base = make_url(given)
    name = f"ringback_lookup_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def national(n: int) -> str:
    """The n-th Berlin number's eight subscriber digits."""
    return f"{20_000_000 + n * 7:08d}"


def seed(db: Database) -> None:
    """USERS customer users in bulk INSERTs: user n has +4930<national(n)>."""
    with db.engine.begin() as conn:
        conn.execute(insert(Customer), [{"id": c + 1, "name": f"Customer {c:05d}"}
                                        for c in range(USERS // PER_CUSTOMER)])
        for start in range(0, USERS, CHUNK):
            ids = range(start, min(start + CHUNK, USERS))
            conn.execute(insert(CustomerUser), [
                {"id": n + 1, "customer_id": n // PER_CUSTOMER + 1, "name": f"Person {n:06d}",
                 "email": f"person{n}@example.com"} for n in ids])
            phones = [{"customer_user_id": n + 1, "e164": f"+4930{national(n)}"} for n in ids]
            phones += [{"customer_user_id": n + 1, "e164": f"+49151{national(n)}"}
                       for n in ids if n % 3 == 0]
            # One line in fifty is shared: user n+1 also answers user n's number.
            phones += [{"customer_user_id": n + 2, "e164": f"+4930{national(n)}"}
                       for n in ids if n % 50 == 0 and n + 1 < USERS]
            conn.execute(insert(CustomerUserPhone), phones)


def written(n: int, style: int) -> tuple[str, str | None]:
    digits = national(n)
    return [(f"+4930{digits}", None), (f"+49 30 {digits[:4]} {digits[4:]}", None),
            (f"030 {digits}", "DE"), (f"0049 30 {digits}", None)][style]


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def read_by_key(db: Database, key: int) -> str | None:
    with db.session() as session:
        return session.scalar(select(CustomerUser.name).where(CustomerUser.id == key))


def measure(db: Database) -> tuple[list[float], list[float]]:
    """Lookup and baseline times in ms, alternating; no lookups when one found wrong."""
    directory = CustomerDirectory(db)
    rng = random.Random(12)
    lookups: list[float] = []
    baseline: list[float] = []
    for sample in range(SAMPLES):
        n = rng.randrange(USERS)
        raw, region = written(n, sample % 4)
        ms, matches = timed(partial(directory.find_by_phone, raw, region))
        found = [m.user_id for m in matches]  # type: ignore[attr-defined]
        if found[:1] != [n + 1]:
            print(f"lookup of {raw!r} found {found}, not user {n + 1}", file=sys.stderr)
            return [], []
        lookups.append(ms)
        baseline.append(timed(partial(read_by_key, db, rng.randrange(USERS) + 1))[0])
    return lookups, baseline


def main() -> int:
    with database() as url:
        upgrade(url)
        db = Database.from_url(url)
        try:
            seconds, _ = timed(lambda: seed(db))
            print(f"seeded {USERS:,} customer users in {seconds / 1000:.1f} s "
                  f"({db.engine.dialect.name})")
            lookups, baseline = measure(db)
            if not lookups:
                return 1
        finally:
            db.dispose()
    print(f"{SAMPLES} lookups, numbers written 4 ways; baseline: a primary-key read")
    print(f"median ms: lookup {statistics.median(lookups):.3f}, "
          f"baseline {statistics.median(baseline):.3f}")
    print(f"screen pop ms: p99 {p99(lookups):.3f} (baseline p99 {p99(baseline):.3f}; "
          f"target < 20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
