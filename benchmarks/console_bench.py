"""Console benchmark: what open live boards cost Twilio's hold loop, and the round
trips of the reports page (30 days) and the live board (200 agents).

    python benchmarks/console_bench.py
    REDIS_URL=redis://127.0.0.1:6379/0 python benchmarks/console_bench.py

1. Boards and the hold loop.  The Procfile's own ``web`` command (gunicorn
   gthread, its threads) serves ringback on a temporary data folder, with one
   caller waiting.  The same closed-loop load as ``webhook_bench.py`` posts the
   hold loop's webhook, in alternating rounds with no board open and with 50
   boards open (each a thread that behaves as the board's script does:
   streams, or polls when told).  It prints the p99 of each and their ratio.
2. Reports for 30 days, with 3,000 callbacks over three numbers and live
   callbacks waiting: Redis requests (a command or a whole pipeline), SQL
   statements and the median time of ``CallbackMetrics.series`` (what the
   page asks now) against one report per period (what it asked before).
3. The live board's fragment with the owner alone and with 200 agents
   available in two queues: Redis requests, SQL statements and time.  The
   board's reads per agent are the presence code's; the difference between
   the two lines is what each agent costs.

Every process it starts is stopped when it ends, also on failure.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from webhook_bench import (
    PUBLIC,
    SECRET,
    call_params,
    load,
    prepare_ringback,
    redis_url,
    signed_post,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from ringback.agents import AgentDirectory  # noqa: E402
from ringback.app import create_app  # noqa: E402
from ringback.callbacks.metrics import CallbackMetrics  # noqa: E402
from ringback.callbacks.parts import configured_queue_ids  # noqa: E402
from ringback.callbacks.records import CallbackRecords  # noqa: E402
from ringback.clock import SystemClock  # noqa: E402
from ringback.console.report_chart import report_range  # noqa: E402
from ringback.console.sessions import SessionStore  # noqa: E402
from ringback.numbers import NumberDirectory  # noqa: E402
from ringback.queue.models import NewEntry  # noqa: E402
from ringback.services import Services  # noqa: E402
from ringback.settings import Settings  # noqa: E402
from ringback.store.callbacks import AttemptOutcome, Callback, CallbackState  # noqa: E402
from ringback.store.db import Database  # noqa: E402
from ringback.store.migrate import upgrade  # noqa: E402
from ringback.store.models import Agent, Role  # noqa: E402
from ringback.telephony import build_telephony  # noqa: E402
from tests.console.board_load import free_port, open_boards, procfile_web, procfile_web_server  # noqa: E402
from tests.round_trips import RoundTrips, counted_redis, counted_sql  # noqa: E402

BOARDS = 50
ROUNDS = 3
SECONDS_PER_ROUND = 3.0
CALLBACKS = 3000
LIVE_CALLBACKS = 30
AGENTS = 200
NUMBERS = {"+4930123456": "support", "+4940123456": "sales", "+4989123456": "billing"}
SAMPLES = 5


def hold_loop_with_boards(env: dict[str, str], folder: Path, services: Services) -> None:
    owner = AgentDirectory(services.db).create_owner("olivia@example.com", "Olivia Owner",
                                                     "owner-password-1")
    cookie = SessionStore(services.db, services.clock).start(owner.id)
    port = free_port()
    with procfile_web_server(env, port, folder):
        wait_path = prepare_ringback(port, env)
        body, headers = signed_post(PUBLIC + wait_path, call_params(
            QueueSid="QU" + "0" * 32, QueueTime="10", QueuePosition="1",
            CurrentQueueSize="1", AvgQueueTime="0"))
        load(port, wait_path, body, headers, 1.0)  # warm-up
        quiet: list[float] = []
        busy: list[float] = []
        answers = errors = 0
        for _ in range(ROUNDS):
            _, seen, failed = load(port, wait_path, body, headers, SECONDS_PER_ROUND)
            quiet += seen
            errors += failed
            with boards_open(port, cookie) as answered:
                _, seen, failed = load(port, wait_path, body, headers, SECONDS_PER_ROUND)
                busy += seen
                errors += failed
            answers += answered.value
    p99_quiet = statistics.quantiles(quiet, n=100)[98] * 1000
    p99_busy = statistics.quantiles(busy, n=100)[98] * 1000
    print(f"web: {procfile_web()}")
    print(f"hold loop, no board open:  {len(quiet) / (ROUNDS * SECONDS_PER_ROUND):.0f} req/s, "
          f"median {statistics.median(quiet) * 1000:.1f} ms, p99 {p99_quiet:.1f} ms")
    print(f"hold loop, {BOARDS} boards open: "
          f"{len(busy) / (ROUNDS * SECONDS_PER_ROUND):.0f} req/s, "
          f"median {statistics.median(busy) * 1000:.1f} ms, p99 {p99_busy:.1f} ms "
          f"({answers} board streams and polls answered)")
    print(f"hold loop p99 with {BOARDS} boards / with none: {p99_busy / p99_quiet:.2f}; "
          f"hold rounds failed: {errors}")


def _boards(port: int, cookie: str, ready: Any, stop: Any, answered: Any) -> None:
    with open_boards(BOARDS, port, cookie, answered=BOARDS) as boards:
        ready.set()
        stop.wait()
        answered.value = sum(b.streams for b in boards)


@contextmanager
def boards_open(port: int, cookie: str) -> Iterator[Any]:
    """BOARDS boards open in a process of their own (their threads are not forked into
    the load's client processes); yields the count of answers they got, set at the end."""
    ready, stop, answered = mp.Event(), mp.Event(), mp.Value("i", 0)
    process = mp.Process(target=_boards, args=(port, cookie, ready, stop, answered))
    process.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the boards were not answered")
        yield answered
    finally:
        stop.set()
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join()


def write_callbacks(services: Services, now: float) -> None:
    """CALLBACKS records over the last 30 days, and LIVE_CALLBACKS waiting in the queues."""
    outcomes = [AttemptOutcome.CONNECTED, AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY]
    numbers = list(NUMBERS.items())
    rows = []
    for i in range(CALLBACKS):
        dialled, queue_id = numbers[i % len(numbers)]
        asked = datetime.fromtimestamp(now - (i * 30 * 86_400 / CALLBACKS), UTC)
        expired = i % 7 == 0
        rows.append(Callback(
            ref=f"{queue_id}:bench{i}", queue_id=queue_id, entry_id=f"bench{i}",
            callback_number=f"+49151{i:07d}", dialled=dialled, requested_at=asked,
            state=CallbackState.EXPIRED.value if expired else CallbackState.DONE.value,
            outcome=None if expired else outcomes[i % 3].value,
            wait_seconds=None if expired else float(60 + i % 300), updated_at=asked))
    with services.db.session() as session:
        session.add_all(rows)
    for i in range(LIVE_CALLBACKS):
        dialled, queue_id = numbers[i % len(numbers)]
        caller = f"+49160{i:07d}"
        joined = services.queue.join(queue_id, NewEntry(call_sid=f"CAbench{i}", caller=caller,
                                                        dialled=dialled))
        services.callbacks.request(queue_id, joined.entry_id, caller)


def measured(trips: RoundTrips, action: Callable[[], Any]) -> tuple[int, int, float]:
    """Redis requests and SQL statements of one run, and the median time of SAMPLES."""
    action()  # warm caches and connections
    trips.reset()
    action()
    counts = (trips.redis, trips.sql)
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return counts[0], counts[1], statistics.median(times) * 1000


def line(name: str, cost: tuple[int, int, float]) -> str:
    return f"{name:<44} Redis {cost[0]:>5}  SQL {cost[1]:>5}  {cost[2]:>8.1f} ms"


def reports_and_board(settings: Settings, trips: RoundTrips) -> None:
    client_redis = counted_redis(settings.redis_url or "", trips)
    clock = SystemClock()
    db = Database.from_url(settings.effective_database_url)
    services = Services(settings=settings, redis=client_redis, db=db, clock=clock,
                        telephony=build_telephony(settings, client_redis, clock))
    directory = NumberDirectory(db, client_redis)
    for e164, queue_id in NUMBERS.items():
        directory.put(e164, {"queue_id": queue_id})
    now = clock.now()
    write_callbacks(services, now)
    app = create_app(settings, services)
    web = app.test_client()
    owner = AgentDirectory(db).all()[0]
    web.set_cookie("ringback_session", SessionStore(db, clock).start(owner.id))

    with counted_sql(db.engine, trips):
        metrics = CallbackMetrics(db, services.queue, CallbackRecords(db, clock),
                                  configured_queue_ids(services.numbers))
        chosen = report_range("30d", None, None, now)
        periods = chosen.periods()

        def per_period() -> None:
            metrics.report(chosen.start, chosen.end)
            for p in periods:
                metrics.report(p.start, p.end)

        def series() -> None:
            metrics.series([p.start for p in periods] + [chosen.end])

        def page(path: str) -> Callable[[], None]:
            def get() -> None:
                response = web.get(path)
                assert response.status_code == 200, response.status_code
            return get

        print(f"reports, 30 days ({len(periods)} periods), {CALLBACKS} callbacks, "
              f"{len(NUMBERS)} queues, {LIVE_CALLBACKS} waiting:")
        before = measured(trips, per_period)
        after = measured(trips, series)
        print("  " + line("one report per period (the page before)", before))
        print("  " + line("CallbackMetrics.series (the page now)", after))
        print("  " + line("GET /console/reports?range=30d", measured(trips, page(
            "/console/reports?range=30d"))))
        print(f"  reports round trips before / now: {before[0] + before[1]} / "
              f"{after[0] + after[1]}; time {before[2] / after[2]:.1f}x faster")

        alone = measured(trips, page("/console/live/board"))
        with db.session() as session:
            session.add_all(Agent(email=f"agent{i}@example.com", name=f"Agent {i}",
                                  role=Role.CUSTOM.value, permissions=["live_queue"],
                                  endpoint=f"+49301{i:07d}") for i in range(AGENTS))
        queues = list(NUMBERS.values())[:2]
        for agent in AgentDirectory(db).all():
            if agent.id != owner.id:
                services.routing.presence.set(agent.id, "available", queues)
        crowd = measured(trips, page("/console/live/board"))
        print(f"live board fragment ({len(NUMBERS)} queues):")
        print("  " + line("owner alone", alone))
        print("  " + line(f"{AGENTS} agents available", crowd))
        print(f"  per agent: Redis {(crowd[0] - alone[0]) / AGENTS:.2f}, "
              f"SQL {(crowd[1] - alone[1]) / AGENTS:.2f}, "
              f"{(crowd[2] - alone[2]) / AGENTS:.2f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, redis_url(Path(tmp)) as url:
        folder = Path(tmp)
        env = {**os.environ, "RINGBACK_DATA_DIR": str(folder / "data"), "REDIS_URL": url,
               "DATABASE_URL": f"sqlite:///{folder / 'ringback.sqlite3'}",
               "PUBLIC_BASE_URL": PUBLIC, "SECRET_KEY": SECRET,
               "RINGBACK_API_TOKEN": "bench-owner-token-0123456789"}
        env.pop("TWILIO_AUTH_TOKEN", None)
        env.pop("TWILIO_ACCOUNT_SID", None)
        upgrade(env["DATABASE_URL"])
        settings = Settings.from_env(env)
        services = Services.from_settings(settings)
        try:
            if os.environ.get("REDIS_URL"):
                services.redis.flushdb()
            hold_loop_with_boards(env, folder, services)
            reports_and_board(settings, RoundTrips())
        finally:
            services.redis.close()
            services.db.dispose()


if __name__ == "__main__":
    main()
