"""Processes stop cleanly: SIGTERM ends `ringback worker` and `ringback scheduler`
within 10 s with a job in hand, and a batch whose worker died runs again
without running any item twice.  Real subprocesses throughout."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time

import pytest
from rq import Queue, Worker
from rq.job import Job, JobStatus

from ringback.clock import ManualClock
from ringback.scheduler.abandoned import AbandonedJobs
from ringback.scheduler.batches import batch_id
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.scheduler.heartbeat import SchedulerHeartbeat
from ringback.scheduler.sweeper import Sweeper
from ringback.worker import WORK_QUEUES, make_worker
from tests.scheduler import jobs
from tests.scheduler.test_abandoned_jobs import (
    ROOT,
    enqueue_hanging_deadline,
    start_worker,
    wait_until_running,
)

pytestmark = pytest.mark.slow

EXPIRY = DeadlineKind.CALLBACK_EXPIRY
STOP_WITHIN = 10.0


def stop_and_time(proc) -> float:
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_WITHIN + 20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    return time.monotonic() - sent


@pytest.mark.parametrize("fork", [False, True], ids=["simple", "forking"])
def test_sigterm_stops_a_worker_within_10_s_and_gives_back_its_job(
    services, settings, tmp_path, fork
):
    job = enqueue_hanging_deadline(services, retries=3)
    worker = start_worker(settings, tmp_path, fork=fork)
    wait_until_running(services, worker, tmp_path)  # the job blocks for 60 s

    took = stop_and_time(worker)
    assert took < STOP_WITHIN, (took, (tmp_path / "worker.log").read_text())
    assert job.get_status() == JobStatus.QUEUED  # given back, a retry left to run it

    make_worker(services, simple=True).work(burst=True)
    assert job.get_status() == JobStatus.FINISHED
    assert services.redis.hget(jobs.ATTEMPTS, "q1:7") == b"2"
    assert services.redis.llen(jobs.RAN) == 1


def test_a_batch_whose_worker_was_killed_runs_again_each_item_once(
    services, settings, tmp_path
):
    refs = [f"a:{n}" for n in range(4)] + ["hang:4"] + [f"q:{n}" for n in range(5, 9)]
    deadlines = Deadlines(services.redis, services.clock)
    due = services.clock.now()
    for ref in refs:
        deadlines.schedule(EXPIRY, ref, due)
    sweeper = Sweeper(services.redis, services.clock, deadlines,
                      {EXPIRY: "tests.scheduler.jobs.hang_on_refs_named_hang"}, retries=3)
    assert sweeper.sweep_once() == len(refs)
    batch = Job.fetch(batch_id(EXPIRY, [(r, due) for r in refs]), connection=services.redis)

    worker = start_worker(settings, tmp_path, fork=False)
    wait_until_running(services, worker, tmp_path)  # the batch is at "hang:4"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    ran_before = [e.decode().split("|")[0] for e in services.redis.lrange(jobs.RAN, 0, -1)]
    assert ran_before == [f"a:{n}" for n in range(4)]

    # Its beats ran out: the reaper hands the batch back to rq's retry.
    assert AbandonedJobs(services.redis, ManualClock(time.time() + 120)).reap() == 1
    assert batch.get_status() == JobStatus.QUEUED
    make_worker(services, simple=True).work(burst=True)

    ran = collections.Counter(
        e.decode().split("|")[0] for e in services.redis.lrange(jobs.RAN, 0, -1))
    assert ran == collections.Counter(refs)  # every item, none twice
    assert services.redis.hget(jobs.ATTEMPTS, "hang:4") == b"2"
    assert batch.return_value() == {"ran": 5, "skipped": 4, "failed": 0, "given_back": 0}


def start_scheduler(settings, tmp_path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.database_url,
        "RINGBACK_DATA_DIR": str(tmp_path / "scheduler"),
        "SECRET_KEY": settings.secret_key,
    })
    with open(tmp_path / "scheduler.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "ringback", "scheduler"],
                                cwd=ROOT, env=env, stdout=log, stderr=log)


def test_sigterm_stops_the_scheduler_within_10_s_mid_sweep_losing_nothing(
    services, settings, tmp_path
):
    total = 60_000
    deadlines = Deadlines(services.redis, services.clock)
    due = time.time() - 1
    with services.redis.pipeline(transaction=False) as pipe:
        for n in range(total):
            deadlines.schedule(EXPIRY, f"q:{n}", due, pipeline=pipe)
        pipe.execute()
    scheduler = start_scheduler(settings, tmp_path)
    try:
        wait_until = time.monotonic() + 60
        while deadlines.count(EXPIRY) == total:  # its first sweep has begun
            assert scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() < wait_until, "the scheduler did not sweep"
            time.sleep(0.02)
    finally:
        took = stop_and_time(scheduler)
    assert took < STOP_WITHIN, (took, (tmp_path / "scheduler.log").read_text())
    assert scheduler.returncode == 0
    assert SchedulerHeartbeat(services.redis, services.clock).alive() == []

    # Every deadline is either handed on in a batch (once) or still pending.
    queue = Queue(WORK_QUEUES[0], connection=services.redis)
    handed = [ref for job in queue.get_jobs() for ref, _ in job.args[2]]
    assert len(handed) == len(set(handed))
    assert 0 < deadlines.count(EXPIRY) == total - len(handed)


def test_sigterm_mid_batch_gives_back_the_items_not_reached(services, settings, tmp_path):
    refs = ["hang:0"] + [f"q:{n}" for n in range(1, 6)]
    deadlines = Deadlines(services.redis, services.clock)
    due = services.clock.now()
    for ref in refs:
        deadlines.schedule(EXPIRY, ref, due)
    sweeper = Sweeper(services.redis, services.clock, deadlines,
                      {EXPIRY: "tests.scheduler.jobs.hang_on_refs_named_hang"})
    assert sweeper.sweep_once() == len(refs)
    batch = Job.fetch(batch_id(EXPIRY, [(r, due) for r in refs]), connection=services.redis)
    worker = start_worker(settings, tmp_path, fork=False)
    wait_until_running(services, worker, tmp_path)  # at "hang:0", the batch's first item

    sent = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    [rq_worker] = Worker.all(connection=services.redis)
    while rq_worker.shutdown_requested_date is None:  # it took the request
        assert time.monotonic() - sent < STOP_WITHIN, (tmp_path / "worker.log").read_text()
        time.sleep(0.05)
        rq_worker.refresh()
    services.redis.rpush(jobs.RELEASE, "go")  # "hang:0" ends; the batch sees the stop
    assert worker.wait(timeout=STOP_WITHIN) == 0
    assert time.monotonic() - sent < STOP_WITHIN

    assert batch.get_status() == JobStatus.FINISHED
    assert batch.return_value() == {"ran": 1, "skipped": 0, "failed": 0, "given_back": 5}
    rest = Queue(WORK_QUEUES[0], connection=services.redis).get_jobs()
    assert [job.id for job in rest] == [batch_id(EXPIRY, [(r, due) for r in refs[1:]])]
    make_worker(services, simple=True).work(burst=True)
    ran = collections.Counter(
        e.decode().split("|")[0] for e in services.redis.lrange(jobs.RAN, 0, -1))
    assert ran == collections.Counter(refs)
