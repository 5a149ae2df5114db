"""The rq worker of ringback and the services its jobs run with.

Jobs are plain functions enqueued on ``WORK_QUEUES``; they reach the
process's collaborators through ``job_services()``, which the worker binds
before each job.  The binding is the worker process's one wiring point.

A ringback worker beats in Redis every ``BEAT_SECONDS`` from a thread of
its own, also while a job runs, so the scheduler's reaper can tell within
``SILENT_SECONDS`` that a worker died (SIGKILL, OOM, a lost host) and hand
its jobs back: rq's own record of a running job only runs out a minute
after the job's timeout.

A worker told to stop (SIGTERM, as Heroku and Kubernetes send, or Ctrl+C)
ends within 10 s: it finishes the job in hand when that takes less than
``STOP_GRACE_SECONDS``, and otherwise gives it back through rq's failure
path (retried when it has retries left).  A batch of deadlines gives back
the items it has not reached at once.  Should the process still be alive
``STOP_LIMIT_SECONDS`` after the request, it exits without leaving the
beats, so the reaper hands its job back as a dead worker's.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import redis
from rq import Queue, SimpleWorker, Worker, worker_registration
from rq.executions import Execution
from rq.job import Job
from rq.registry import clean_registries
from rq.utils import now

from ringback.clock import Clock
from ringback.jobs import WORK_QUEUES
from ringback.observability import recorder
from ringback.redis_keys import WorkerKeys
from ringback.services import Services

__all__ = ["WORK_QUEUES", "WorkerBeats", "job_services", "make_worker", "queues"]

log = logging.getLogger(__name__)

BEAT_SECONDS = 2.0
SILENT_SECONDS = 10.0
FORGET_SECONDS = 3600.0
MAINTENANCE_LOCK_SECONDS = 30
STOP_GRACE_SECONDS = 6
STOP_LIMIT_SECONDS = 9.0

RELEASE_LOCK_SCRIPT = """
-- KEYS[1] the lock     ARGV[1] the token it was taken with
-- Deletes the lock only while it is still the caller's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


# Set when this worker process was told to stop (SIGTERM): long jobs such as
# a batch of deadlines check it between steps and give the rest back.
_stopping = threading.Event()


def stop_requested() -> bool:
    return _stopping.is_set()


_bound: Services | None = None
_bound_pid: int | None = None


class JobContextMissing(RuntimeError):
    """A job ran outside a ringback worker."""


def job_services() -> Services:
    if _bound is None:
        raise JobContextMissing("ringback jobs run inside `ringback worker`")
    if _bound_pid != os.getpid():
        # A forked work horse must not share the parent's database connections.
        _bound.db.engine.dispose(close=False)
        _bind(_bound)
    return _bound


def _bind(services: Services) -> None:
    global _bound, _bound_pid
    _bound, _bound_pid = services, os.getpid()


class WorkerBeats:
    """Liveness of ringback's rq workers, by worker name.

    Keys: ``WorkerKeys.workers`` (``redis_keys``), a zset of rq worker name ->
    time of its last beat.
    """

    def __init__(self, redis_client: redis.Redis, clock: Clock, *,
                 silent_after: float = SILENT_SECONDS) -> None:
        self._redis = redis_client
        self._clock = clock
        self._silent_after = silent_after

    def beat(self, name: str) -> None:
        self._redis.zadd(WorkerKeys.workers, {name: self._clock.now()})

    def stop(self, name: str) -> None:
        self._redis.zrem(WorkerKeys.workers, name)

    def silent(self, names: Sequence[str]) -> set[str]:
        """Those of ``names`` that beat once but not lately: dead workers.

        A name that never beat (a plain ``rq worker``) is not among them: only
        rq's own heartbeat can say that such a worker died.
        """
        if not names:
            return set()
        cutoff = self._clock.now() - self._silent_after
        scores = self._redis.zmscore(WorkerKeys.workers, list(names))
        return {n for n, score in zip(names, scores, strict=True)
                if score is not None and score < cutoff}

    def forget_long_silent(self) -> int:
        """Drop workers silent for an hour: their jobs were handed back long ago."""
        cutoff = self._clock.now() - FORGET_SECONDS
        return int(self._redis.zremrangebyscore(WorkerKeys.workers, "-inf", f"({cutoff}"))


class MaintenanceLock:
    """rq's maintenance lock of a queue, held for seconds rather than rq's 15 minutes.

    rq's workers and ringback's reaper clean a queue's registries one at a
    time under this key (rq builds it).  rq takes it for 899 s, so a process
    killed while cleaning would stop every clean-up, the reaper's too, that
    long; taken here it expires after 30 s and is released only by its holder.
    """

    def __init__(self, redis_client: redis.Redis, queue: Queue) -> None:
        self._redis = redis_client
        self._key = queue.registry_cleaning_key
        self._release = redis_client.register_script(RELEASE_LOCK_SCRIPT)

    @contextmanager
    def held(self) -> Iterator[bool]:
        """True inside when this process holds the lock, False when another one does."""
        token = secrets.token_hex(8)
        if not self._redis.set(self._key, token, nx=True, ex=MAINTENANCE_LOCK_SECONDS):
            yield False
            return
        try:
            yield True
        finally:
            self._release(keys=[self._key], args=[token])


class _Beating:
    """A daemon thread that beats for one worker until stopped (or the process dies)."""

    def __init__(self, beats: WorkerBeats, name: str) -> None:
        self._beats = beats
        self._name = name
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ringback-worker-beat",
                                        daemon=True)

    def start(self) -> None:
        self._beats.beat(self._name)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(BEAT_SECONDS):
            try:
                self._beats.beat(self._name)
            except Exception as exc:  # noqa: BLE001 - a silent worker would be taken for dead
                log.warning("worker %s could not beat: %s: %s", self._name,
                            type(exc).__name__, exc)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=BEAT_SECONDS + 5)
        with suppress(redis.RedisError):
            self._beats.stop(self._name)


class _BindsServices:
    services: Services
    name: str
    _stop_timers: list[threading.Timer] | None = None

    def request_stop(self, signum: int, frame: Any) -> None:
        """rq's warm shutdown, bounded: see the module docstring."""
        _stopping.set()
        if self._stop_timers is None:
            self._stop_timers = [
                _timer(STOP_GRACE_SECONDS, self._give_back),
                _timer(STOP_LIMIT_SECONDS, self._exit_now),
            ]
            self._cut_short_in_process()
        super().request_stop(signum, frame)  # type: ignore[misc]

    def _cut_short_in_process(self) -> None:
        """A job running in this process (SimpleWorker) ends by the grace period.

        rq's death penalty (SIGALRM) is armed for the job's timeout while a job
        runs here; it is brought forward so the job ends as a timed-out one.
        """
        handler = signal.getsignal(signal.SIGALRM)
        if callable(handler) and getattr(handler, "__self__", None) is not None:
            remaining = signal.alarm(0)
            signal.alarm(min(remaining, STOP_GRACE_SECONDS) if remaining else STOP_GRACE_SECONDS)

    def _give_back(self) -> None:
        """A work horse (forking worker) still at its job is stopped; rq retries the job."""
        horse = getattr(self, "horse_pid", 0)
        if horse:
            log.warning("worker %s: giving back its job, still running %s s after the stop",
                        self.name, STOP_GRACE_SECONDS)
            self.kill_horse()  # type: ignore[attr-defined]

    def _exit_now(self) -> None:
        log.error("worker %s: still running %s s after the stop; exiting, the reaper "
                  "hands its job back", self.name, STOP_LIMIT_SECONDS)
        logging.shutdown()
        os._exit(1)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        beating = _Beating(WorkerBeats(self.services.redis, self.services.clock), self.name)
        beating.start()
        try:
            return bool(super().work(*args, **kwargs))  # type: ignore[misc]
        finally:
            beating.stop()

    def clean_registries(self) -> None:
        """rq's maintenance of each queue, under the short-lived ``MaintenanceLock``."""
        worker: Any = self
        for queue in worker.queues:
            with MaintenanceLock(worker.connection, queue).held() as held:
                if not held:
                    continue
                worker.log.info("Worker %s: cleaning registries for queue: %s", worker.name,
                                queue.name)
                clean_registries(queue, worker._exc_handlers)
                worker_registration.clean_worker_registry(queue)
                queue.intermediate_queue.cleanup(worker, queue)
        worker.last_cleaned_at = now()

    def unsubscribe(self) -> None:
        """rq's, with the one-second wait for the pubsub thread it means.

        redis-py 8's ``stop()`` joins the thread without a bound, and a thread
        that saw the unsubscription first waits up to rq's 60 s for a new
        one: a worker told to stop would hang that long.
        """
        thread: Any = getattr(self, "pubsub_thread", None)
        if not thread:
            return
        # The thread's flag is cleared first, so the reply to the unsubscription
        # ends its loop at once (cleared after, the thread had already gone back
        # to waiting, and every stop took the full second twice).
        try:
            thread.stop(timeout=0)
        except TypeError:  # redis-py before 8: stop() does not wait
            thread.stop()
        self.pubsub.unsubscribe()  # type: ignore[attr-defined]
        thread.join(timeout=1.0)
        self.pubsub.close()  # type: ignore[attr-defined]

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        _bind(self.services)
        recorder().job_started(job.func_name, job.enqueued_at)
        ok = bool(super().perform_job(job, queue, execution))  # type: ignore[misc]
        recorder().job_finished(job.func_name, ok)
        return ok


class RingbackWorker(_BindsServices, Worker):
    """Forks a work horse per job, as rq does by default (``ringback worker --fork``)."""


class RingbackSimpleWorker(_BindsServices, SimpleWorker):
    """Runs jobs in its own process: the default of ``ringback worker``.

    ringback's jobs are short and I/O-bound; forking a horse for each costs
    about 30 ms, more than most jobs take.  A worker killed mid-job leaves the
    job in rq's started registry (or, killed just after taking it, in the
    queue's intermediate list), where the scheduler's reaper finds it.
    """


def _timer(seconds: float, action: Any) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer


def queues(services: Services) -> list[Queue]:
    return [Queue(name, connection=services.redis) for name in WORK_QUEUES]


def make_worker(services: Services, *, simple: bool = False, name: str | None = None) -> Worker:
    cls = RingbackSimpleWorker if simple else RingbackWorker
    worker = cls(queues(services), connection=services.redis, name=name)
    worker.services = services
    return worker  # type: ignore[return-value]

