"""A deadline job whose worker is SIGKILLed mid-way is never silently lost.

Real `ringback worker` processes run a job that blocks; the test kills them
and checks the job ends up finished by another worker, or in rq's
FailedJobRegistry when it has no retries left.  A worker killed just after
taking a job (before it started it) is played by rq's own Worker object,
stopped between the steps rq takes: the job is then stranded in the queue's
intermediate list, with or without an execution filed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

from ringback.clock import ManualClock, SystemClock
from ringback.redis_keys import WorkerKeys
from ringback.scheduler.abandoned import AbandonedJobs
from ringback.scheduler.batches import batch_id
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.scheduler.sweeper import Sweeper
from ringback.worker import WORK_QUEUES, WorkerBeats, make_worker, queues
from tests.scheduler import jobs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXPIRY = DeadlineKind.CALLBACK_EXPIRY
HANG = {EXPIRY: "tests.scheduler.jobs.hang_on_first_attempt"}
RECORD = {EXPIRY: "tests.scheduler.jobs.record"}
# A killed worker's jobs must run again within this many seconds.
RUN_AGAIN_WITHIN = 60


def start_worker(settings, tmp_path, *extra: str, fork: bool = True) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.database_url,
        "RINGBACK_DATA_DIR": str(tmp_path / "worker"),
        "SECRET_KEY": settings.secret_key,
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    })
    with open(tmp_path / "worker.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "ringback", "worker", *(["--fork"] if fork else []), *extra],
            cwd=ROOT, env=env, stdout=log, stderr=log)


def enqueue_hanging_deadline(services, *, retries: int, handlers=HANG) -> Job:
    deadlines = Deadlines(services.redis, services.clock)
    deadlines.schedule(EXPIRY, "q1:7", services.clock.now())
    sweeper = Sweeper(services.redis, services.clock, deadlines, handlers, retries=retries)
    assert sweeper.sweep_once() == 1
    return Job.fetch(batch_id(EXPIRY, [("q1:7", services.clock.now())]),
                     connection=services.redis)


def wait_until_running(services, worker: subprocess.Popen, tmp_path) -> int:
    """The work horse's pid, once the job has started in it."""
    started = services.redis.blpop([jobs.STARTED], timeout=20)
    if started is None:
        worker.kill()
        raise AssertionError((tmp_path / "worker.log").read_text())
    ref, attempt, pid = started[1].decode().split("|")
    assert attempt == "1", ref
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


def test_a_killed_simple_workers_job_runs_again_within_a_minute(services, settings, tmp_path):
    job = enqueue_hanging_deadline(services, retries=3)
    worker = start_worker(settings, tmp_path, fork=False)  # the default of `ringback worker`
    wait_until_running(services, worker, tmp_path)
    [(name, first_beat)] = services.redis.zrange(WorkerKeys.workers, 0, -1, withscores=True)
    deadline = time.monotonic() + 20
    while services.redis.zscore(WorkerKeys.workers, name) == first_beat:  # it beats mid-job
        assert time.monotonic() < deadline, "the worker stopped beating while its job ran"
        time.sleep(0.2)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    killed_at = time.monotonic()

    reaper = AbandonedJobs(services.redis, SystemClock())
    while not reaper.reap():  # as the scheduler does, only more often
        assert time.monotonic() - killed_at < RUN_AGAIN_WITHIN, "the job was not handed back"
        time.sleep(0.5)
    handed_back_after = time.monotonic() - killed_at
    make_worker(services, simple=True).work(burst=True)

    assert job.get_status() == JobStatus.FINISHED
    assert services.redis.hget(jobs.ATTEMPTS, "q1:7") == b"2"
    assert handed_back_after < RUN_AGAIN_WITHIN
    print(f"handed back {handed_back_after:.1f} s after the kill")


def take_without_starting(services, *, file_execution: bool):
    """A real rq worker takes the next job as rq does, then "dies" before starting it."""
    worker = make_worker(services, simple=True)
    job, _queue = Queue.dequeue_any(queues(services), None, connection=services.redis)
    if file_execution:
        worker.prepare_execution(job)
    return job, worker


def assert_queued_again_and_run_once(services, job: Job) -> None:
    queue = Queue(WORK_QUEUES[0], connection=services.redis)
    assert job.get_status() == JobStatus.QUEUED
    assert queue.get_job_ids() == [job.id]
    assert queue.intermediate_queue.get_job_ids() == []
    assert StartedJobRegistry(queue=queue).get_job_ids(cleanup=False) == []
    make_worker(services, simple=True).work(burst=True)
    assert job.get_status() == JobStatus.FINISHED
    assert services.redis.llen(jobs.RAN) == 1


def test_a_job_a_dead_worker_took_but_never_started_is_queued_again_not_just_logged(services):
    job = enqueue_hanging_deadline(services, retries=3, handlers=RECORD)
    take_without_starting(services, file_execution=True)
    queue = Queue(WORK_QUEUES[0], connection=services.redis)
    assert job.get_status() == JobStatus.QUEUED  # rq marks it STARTED only when it starts
    assert queue.get_job_ids() == []
    assert queue.intermediate_queue.get_job_ids() == [job.id]

    # Long after: the worker's rq heartbeat for the job has run out.
    assert AbandonedJobs(services.redis, ManualClock(time.time() + 300)).reap() == 1
    assert_queued_again_and_run_once(services, job)


def test_a_job_stranded_in_the_intermediate_list_is_queued_again_within_a_minute(services):
    job = enqueue_hanging_deadline(services, retries=3, handlers=RECORD)
    take_without_starting(services, file_execution=False)
    clock = ManualClock(time.time())
    reaper = AbandonedJobs(services.redis, clock)

    assert reaper.reap() == 0  # a live worker moves a job on within milliseconds
    clock.advance(30)
    assert reaper.reap() == 1
    assert_queued_again_and_run_once(services, job)


def test_a_job_a_live_worker_is_about_to_start_is_left_alone(services):
    job = enqueue_hanging_deadline(services, retries=3, handlers=RECORD)
    _job, worker = take_without_starting(services, file_execution=True)
    clock = ManualClock(time.time())
    WorkerBeats(services.redis, clock).beat(worker.name)

    clock.advance(5)
    assert AbandonedJobs(services.redis, clock).reap() == 0
    queue = Queue(WORK_QUEUES[0], connection=services.redis)
    assert queue.intermediate_queue.get_job_ids() == [job.id]
    assert [j for j, _ in StartedJobRegistry(queue=queue).get_job_and_execution_ids(
        cleanup=False)] == [job.id]

    clock.advance(30)  # it stopped beating: dead
    assert AbandonedJobs(services.redis, clock).reap() == 1
    assert_queued_again_and_run_once(services, job)
