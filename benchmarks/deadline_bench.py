"""Deadlines due all at once: how fast they turn into finished rq jobs.

    python benchmarks/deadline_bench.py [--deadlines 10000] [--workers 2] [--fork]

N deadlines fall due at the same moment; the scheduler's own periodic sweep
(build_scheduler, ticking every second) hands them to rq in batch jobs, and
real `ringback worker` processes run a trivial handler that notes when it
finished.  Lateness is completion time minus due time.  The deadlines fall
due on one of the sweep's ticks, so the figures measure the machinery, not
where between two ticks the due time happens to lie (a deadline waits up to
one tick, 1 s, more in service).  The baseline, measured in the same run
with the same workers, is N plain rq jobs, one per deadline, enqueued at
once: the ratio says what the deadline machinery gains or costs against
one rq job per deadline.

Whatever happens, the benchmark stops all it started: workers get SIGTERM
and are killed when still running after a grace period, then the embedded
Redis is stopped.

Redis is an embedded server in a temporary folder, or REDIS_URL, which must
name an empty database (e.g. redis://127.0.0.1:6379/9); it is emptied again
at the end.  The last line is ``deadlines/s: A; p99 lateness s: L``.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DONE = "bench:done"
KIND_VALUE = "wrap_up_end"
HERE = Path(__file__).resolve().parent
STOP_GRACE_SECONDS = 15.0


def record_completion(ref: str, due_at: float) -> None:
    """The benchmark's job: note the due time and the completion time."""
    from ringback.worker import job_services

    job_services().redis.rpush(DONE, f"{due_at!r} {time.time()!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fork", action="store_true",
                        help="workers fork a work horse per job (ringback worker --fork)")
    args = parser.parse_args()
    # A sweep of a big backlog outlasts its 1 s interval; APScheduler's
    # "skipped" notices would only clutter the figures.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="ringback-bench-") as tmp:
        return run(args.deadlines, args.workers, not args.fork, Path(tmp))


def run(n: int, worker_count: int, simple: bool, tmp: Path) -> int:
    import redis

    from ringback.embedded_redis import EmbeddedRedis

    embedded = None
    url = os.environ.get("REDIS_URL")
    try:
        if not url:
            embedded = EmbeddedRedis(tmp)
            embedded.start()
            url = embedded.url
        client = redis.Redis.from_url(url)
        if client.dbsize():
            print(f"deadline_bench: {url} is not empty; name a spare database", file=sys.stderr)
            client.close()
            return 2
        figures = _measure(client, url, n, worker_count, simple, tmp)
    finally:
        if embedded is not None:
            embedded.stop()
    sweep_rate, base_rate, base_p99, rate, p99 = figures
    mode = "simple" if simple else "forking"
    print(f"redis: {'embedded' if embedded else url}; {worker_count} {mode} workers; "
          f"{n} deadlines due at once")
    print(f"sweeper alone (claim + enqueue + ack): {sweep_rate:,.0f} deadlines/s")
    print(f"baseline, plain rq jobs enqueued at once: {base_rate:,.0f} jobs/s; "
          f"p99 lateness {base_p99:.2f} s")
    print(f"deadlines vs baseline: throughput x{rate / base_rate:.2f}, "
          f"p99 lateness x{p99 / base_p99:.2f}")
    print(f"deadlines/s: {rate:.0f}; p99 lateness s: {p99:.2f}")
    return 0


def _measure(client: Any, url: str, n: int, worker_count: int, simple: bool, tmp: Path
             ) -> tuple[float, float, float, float, float]:
    """The figures; the workers are stopped and the database emptied, whatever happens."""
    workers: list[subprocess.Popen[bytes]] = []
    try:
        services = _services(url, tmp)
        sweep_rate = _sweep_alone(services, n)
        _start_workers(workers, url, tmp, worker_count, simple)
        _wait_for_workers(client, worker_count)
        base_rate, base_p99 = _baseline(services, client, n)
        rate, p99 = _deadlines_through_the_scheduler(services, client, n)
    finally:
        try:
            _stop(workers)
        finally:
            with suppress(Exception):
                client.flushdb()
            client.close()
    return sweep_rate, base_rate, base_p99, rate, p99


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to all, then SIGKILL to any still running after the grace period."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    until = time.monotonic() + STOP_GRACE_SECONDS
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, until - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"deadline_bench: worker {proc.pid} ignored SIGTERM; killing it",
                  file=sys.stderr)
            proc.kill()
            proc.wait()


def _services(url: str, tmp: Path) -> Any:
    from ringback.services import Services
    from ringback.settings import Settings

    settings = Settings.from_env({"REDIS_URL": url, "RINGBACK_DATA_DIR": str(tmp / "data")})
    return Services.from_settings(settings)


def _handlers() -> dict[Any, str]:
    from ringback.scheduler.deadlines import DeadlineKind

    return {DeadlineKind(KIND_VALUE): "deadline_bench.record_completion"}


def _schedule_all(services: Any, n: int, due_at: float) -> None:
    from ringback.scheduler.deadlines import DeadlineKind, Deadlines

    deadlines = Deadlines(services.redis, services.clock)
    with services.redis.pipeline(transaction=False) as pipe:
        for i in range(n):
            deadlines.schedule(DeadlineKind(KIND_VALUE), f"agent-{i}", due_at, pipeline=pipe)
        pipe.execute()


def _sweep_alone(services: Any, n: int) -> float:
    """Hand-on rate of one sweeper with no worker running; the jobs are dropped after."""
    from rq import Queue

    from ringback.scheduler.deadlines import Deadlines
    from ringback.scheduler.sweeper import Sweeper
    from ringback.worker import WORK_QUEUES

    _schedule_all(services, n, time.time())
    sweeper = Sweeper(services.redis, services.clock,
                      Deadlines(services.redis, services.clock), _handlers())
    started = time.perf_counter()
    handed = sweeper.sweep(limit=1000, max_rounds=10_000)
    elapsed = time.perf_counter() - started
    assert handed == n, (handed, n)
    Queue(WORK_QUEUES[0], connection=services.redis).empty()
    services.redis.flushdb()
    return n / elapsed


def _start_workers(procs: list[subprocess.Popen[bytes]], url: str, tmp: Path, count: int,
                   simple: bool) -> None:
    """Starts ``count`` workers into ``procs`` (the caller's, so it stops them all)."""
    env = dict(os.environ)
    env.update({
        "REDIS_URL": url,
        "RINGBACK_DATA_DIR": str(tmp / "data"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH")) if p),
    })
    command = [sys.executable, "-m", "ringback", "worker"] + ([] if simple else ["--fork"])
    log = tmp / "workers.log"
    for _ in range(count):
        with open(log, "ab") as out:
            procs.append(subprocess.Popen(command, env=env, stdout=out, stderr=out))


def _wait_for_workers(client: Any, count: int) -> None:
    from rq import Worker

    deadline = time.monotonic() + 60
    while len(Worker.all(connection=client)) < count:
        if time.monotonic() > deadline:
            raise SystemExit("deadline_bench: the workers did not start")
        time.sleep(0.1)


def _baseline(services: Any, client: Any, n: int) -> tuple[float, float]:
    from rq import Queue

    from ringback.worker import WORK_QUEUES

    queue = Queue(WORK_QUEUES[0], connection=services.redis)
    due = time.time()
    with services.redis.pipeline() as pipe:
        queue.enqueue_many(
            [Queue.prepare_data("deadline_bench.record_completion", args=(f"agent-{i}", due),
                                job_id=f"baseline-{i}") for i in range(n)],
            pipeline=pipe,
        )
        pipe.execute()
    return _results(client, n, due)


def _deadlines_through_the_scheduler(
    services: Any, client: Any, n: int
) -> tuple[float, float]:
    from ringback.scheduler.runner import build_scheduler

    client.delete(DONE)
    stop = threading.Event()
    scheduler = build_scheduler(services, "deadline-bench", handlers=_handlers(), stop=stop)
    due = time.time() + 1.5
    _schedule_all(services, n, due)
    # The first sweep runs at the due time itself, as one of its ticks would.
    scheduler.modify_job("deadlines", next_run_time=datetime.fromtimestamp(due, UTC))
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        return _results(client, n, due)
    finally:
        stop.set()
        scheduler.shutdown(wait=True)
        thread.join(timeout=10)


def _results(client: Any, n: int, due: float) -> tuple[float, float]:
    """Wait until n jobs have finished; throughput since ``due`` and p99 lateness."""
    deadline = time.monotonic() + 600
    while client.llen(DONE) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"deadline_bench: only {client.llen(DONE)} of {n} jobs finished")
        time.sleep(0.05)
    lateness = sorted(
        float(done) - float(due_at)
        for due_at, done in (entry.split() for entry in client.lrange(DONE, 0, -1))
    )
    finished = max(lateness) + due
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    return n / (finished - due), p99


if __name__ == "__main__":
    raise SystemExit(main())
