"""Screen pop and customer dashboard benchmark: who is calling, among 100,000
customer users, and a customer's dashboard among 1,000,000 tickets.

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

Then 1,000,000 tickets (a hundred per customer, in every state, some locked,
reminders and escalation times due) are seeded with one INSERT ... SELECT in
the database, and a random customer's dashboard is built the way the console's
customer information center builds it: every widget's counts under every
filter, the four ticket widgets' lists, the company status and the customer
users with their ticket counts. The target is a p99 under 150 ms. The last
line is ``screen pop ms: p99 A; dashboard ms: p99 B``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

from bench_database import temporary_database
from sqlalchemy import insert, select, text

from ringback.agents import AgentDirectory
from ringback.clock import ManualClock
from ringback.customers import CustomerDirectory
from ringback.store.customers import Customer, CustomerUser, CustomerUserPhone
from ringback.store.db import Database
from ringback.store.migrate import upgrade
from ringback.tickets.dashboard import TICKET_WIDGETS, Scope, TicketDashboard
from ringback.tickets.listing import TicketListing

USERS = 100_000
PER_CUSTOMER = 10
SAMPLES = 2000
CHUNK = 5000
TICKETS = 1_000_000
DASHBOARDS = 300
NOW = 1_800_000_000.0  # the clock the dashboards are read at
STATES = ("new", "open", "pending reminder", "pending auto-close", "closed successful",
          "closed unsuccessful")
QUEUES = ("support", "sales", "billing", "field", "returns")


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


def seed_tickets(db: Database, agent_id: int) -> None:
    """TICKETS tickets in one INSERT ... SELECT over a number series: ticket n belongs
    to customer n % customers and one of its users; about half are closed; one in
    twenty is locked by the agent; pending ones have a reminder time, some past NOW;
    one in ten open ones has an escalation time, half of them past NOW."""
    customers = USERS // PER_CUSTOMER
    pg = db.engine.dialect.name == "postgresql"
    series = ("SELECT generate_series(0, :count - 1) AS n" if pg else
              "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s "
              "WHERE n < :count - 1) SELECT n FROM s")
    stamp = ("to_timestamp(:now + ((n % 7) - 3) * 3600)" if pg else
             "datetime(:now + ((n % 7) - 3) * 3600, 'unixepoch')")
    created = "to_timestamp(:now - n)" if pg else "datetime(:now - n, 'unixepoch')"
    states = "CASE n % 10 " + " ".join(
        f"WHEN {i} THEN '{state}'" for i, state in enumerate(
            ("new", "open", "open", "pending reminder", "pending auto-close",
             "closed successful", "closed successful", "closed successful",
             "closed unsuccessful", "closed successful"))) + " END"
    queues = "CASE n % 5 " + " ".join(f"WHEN {i} THEN '{q}'" for i, q in
                                      enumerate(QUEUES)) + " END"
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tickets (subject, requester, description, status, data, "
            "idempotency_key, created_at, updated_at, number, state, queue, priority, "
            "locked_by_agent_id, owner_agent_id, customer_id, customer_user_id, "
            "pending_until, solution_due) "
            f"SELECT 'Ticket ' || n, '+4930' || n, '', 'open', '{{}}', 'bench-' || n, "
            f"{created}, {created}, '2027' || n, {states}, {queues}, 1 + n % 5, "
            "CASE WHEN n % 20 = 1 THEN :agent END, CASE WHEN n % 20 = 1 THEN :agent END, "
            f"1 + n % {customers}, 1 + (n % {customers}) * {PER_CUSTOMER} + n % "
            f"{PER_CUSTOMER}, "
            f"CASE WHEN n % 10 IN (3, 4) THEN {stamp} END, "
            f"CASE WHEN n % 10 = 1 AND n % 20 < 2 THEN {stamp} END "
            f"FROM ({series}) AS numbers"),
            {"count": TICKETS, "now": int(NOW), "agent": agent_id})
        conn.execute(text("ANALYZE tickets"))  # as a long-running database has statistics


def build_dashboard(board: TicketDashboard, customer_id: int, agent_id: int) -> int:
    """Everything the customer information center reads for one customer."""
    scope = Scope(customer_id=customer_id)
    counts = board.counts(scope, agent_id, ["support", "billing"])
    shown = sum(len(board.tickets(scope, w, "all", agent_id, ["support", "billing"]).items)
                for w in TICKET_WIDGETS)
    status = board.status(scope)
    users = board.users(customer_id)
    return shown + sum(status.values()) + len(users) + counts["open"]["all"]


def measure_dashboards(db: Database, agent_id: int) -> list[float]:
    clock = ManualClock(NOW)
    board = TicketDashboard(db, clock, TicketListing(db, clock))
    rng = random.Random(7)
    times = []
    for _ in range(DASHBOARDS):
        ms, shown = timed(partial(build_dashboard, board,
                                  rng.randrange(USERS // PER_CUSTOMER) + 1, agent_id))
        if not shown:
            print("a dashboard showed nothing: the seed is wrong", file=sys.stderr)
            return []
        times.append(ms)
    return times


def main() -> int:
    with temporary_database("lookup") as url:
        upgrade(url)
        db = Database.from_url(url)
        try:
            seconds, _ = timed(lambda: seed(db))
            print(f"seeded {USERS:,} customer users in {seconds / 1000:.1f} s "
                  f"({db.engine.dialect.name})")
            lookups, baseline = measure(db)
            if not lookups:
                return 1
            agent = AgentDirectory(db).create_owner("bench@example.com", "Bench", "x" * 12)
            seconds, _ = timed(lambda: seed_tickets(db, agent.id))
            print(f"seeded {TICKETS:,} tickets in {seconds / 1000:.1f} s")
            dashboards = measure_dashboards(db, agent.id)
            if not dashboards:
                return 1
        finally:
            db.dispose()
    print(f"{SAMPLES} lookups, numbers written 4 ways; baseline: a primary-key read")
    print(f"median ms: lookup {statistics.median(lookups):.3f}, "
          f"baseline {statistics.median(baseline):.3f}; "
          f"baseline p99 {p99(baseline):.3f}; target lookup p99 < 20")
    print(f"{DASHBOARDS} customer dashboards among {TICKETS:,} tickets: median ms "
          f"{statistics.median(dashboards):.1f}; target p99 < 150")
    print(f"screen pop ms: p99 {p99(lookups):.3f}; dashboard ms: p99 {p99(dashboards):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
