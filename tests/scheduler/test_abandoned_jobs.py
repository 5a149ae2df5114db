"""A deadline job whose worker is SIGKILLed mid-way is never silently lost.

Real forking `ringback worker` processes run a job that blocks; the test kills
them and checks the job ends up finished by another worker, or in rq's
FailedJobRegistry when it has no retries left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

from ringback.clock import ManualClock
from ringback.scheduler.abandoned import AbandonedJobs
from ringback.scheduler.deadlines import Claim, DeadlineKind, Deadlines
from ringback.scheduler.sweeper import Sweeper, job_id
from ringback.worker import WORK_QUEUES, make_worker
from tests.scheduler import jobs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXPIRY = DeadlineKind.CALLBACK_EXPIRY
HANG = {EXPIRY: "tests.scheduler.jobs.hang_on_first_attempt"}


def start_worker(settings, tmp_path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.database_url,
        "RINGBACK_DATA_DIR": str(tmp_path / "worker"),
        "SECRET_KEY": settings.secret_key,
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    })
    with open(tmp_path / "worker.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "ringback", "worker", "--fork", *extra],
                                cwd=ROOT, env=env, stdout=log, stderr=log)


def enqueue_hanging_deadline(services, *, retries: int) -> Job:
    deadlines = Deadlines(services.redis, services.clock)
    deadlines.schedule(EXPIRY, "q1:7", services.clock.now())
    sweeper = Sweeper(services.redis, services.clock, deadlines, HANG, retries=retries)
    assert sweeper.sweep_once() == 1
    return Job.fetch(job_id(Claim(EXPIRY, "q1:7", services.clock.now())),
                     connection=services.redis)


def wait_until_running(services, worker: subprocess.Popen, tmp_path) -> int:
    """The work horse's pid, once the job has started in it."""
    started = services.redis.blpop([jobs.STARTED], timeout=20)
    if started is None:
        worker.kill()
        raise AssertionError((tmp_path / "worker.log").read_text())
    ref, attempt, pid = started[1].decode().split("|")
    assert (ref, attempt) == ("q1:7", "1")
    return int(pid)


def kill_worker_and_horse(worker: subprocess.Popen, horse: int) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    os.kill(horse, signal.SIGKILL)


def test_a_job_of_a_killed_worker_is_retried_and_finished_by_another(
    services, settings, tmp_path
):
    job = enqueue_hanging_deadline(services, retries=3)
    worker = start_worker(settings, tmp_path)
    horse = wait_until_running(services, worker, tmp_path)
    kill_worker_and_horse(worker, horse)
    started = StartedJobRegistry(WORK_QUEUES[0], connection=services.redis)
    assert job.get_status() == JobStatus.STARTED

    # Right after the kill the execution still looks alive: nothing is touched.
    reaper_now = AbandonedJobs(services.redis, ManualClock(time.time()))
    assert reaper_now.reap() == 0
    assert job.id in started.get_job_ids(cleanup=False)

    # Two minutes on, its heartbeat has run out: rq's failure path retries it.
    later = ManualClock(time.time() + 120)
    assert AbandonedJobs(services.redis, later).abandoned() == [job.id]
    assert AbandonedJobs(services.redis, later).reap() == 1
    assert job.get_status() == JobStatus.QUEUED

    make_worker(services, simple=True).work(burst=True)
    assert job.get_status() == JobStatus.FINISHED
    assert services.redis.hget(jobs.ATTEMPTS, "q1:7") == b"2"
    [ran] = services.redis.lrange(jobs.RAN, 0, -1)
    assert ran.decode().endswith(f"|{os.getpid()}")


def test_a_killed_job_without_retries_lands_in_the_failed_registry(
    services, settings, tmp_path
):
    job = enqueue_hanging_deadline(services, retries=0)
    worker = start_worker(settings, tmp_path)
    horse = wait_until_running(services, worker, tmp_path)
    kill_worker_and_horse(worker, horse)

    assert AbandonedJobs(services.redis, ManualClock(time.time() + 120)).reap() == 1
    failed = FailedJobRegistry(WORK_QUEUES[0], connection=services.redis)
    assert failed.get_job_ids() == [job.id]
    assert job.get_status() == JobStatus.FAILED
    assert "AbandonedJobError" in (job.latest_result().exc_string or "")
    assert services.redis.llen(jobs.RAN) == 0


def test_a_killed_work_horse_is_retried_by_its_own_worker(services, settings, tmp_path):
    job = enqueue_hanging_deadline(services, retries=3)
    worker = start_worker(settings, tmp_path, "--burst")
    horse = wait_until_running(services, worker, tmp_path)
    os.kill(horse, signal.SIGKILL)

    # The worker sees its horse die, retries the job, runs it again and,
    # in burst mode, exits once the queue is empty.
    assert worker.wait(timeout=30) == 0
    assert job.get_status() == JobStatus.FINISHED
    assert services.redis.hget(jobs.ATTEMPTS, "q1:7") == b"2"
    assert services.redis.llen(jobs.RAN) == 1
