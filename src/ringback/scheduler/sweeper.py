"""The sweeper: turns due deadlines into rq jobs, one job per batch of a kind.

Each kind of deadline has a handler, the dotted path of a function called
as ``handler(ref, due_at)`` by a batch job on the worker's queue
(``scheduler.batches``: up to ``BATCH_SIZE`` deadlines of one kind per job,
each item run once, a failing item retried on its own).  The contract every
handler keeps: it is idempotent and checks that the deadline still applies.
A handler may run more than once for one deadline (a worker killed between
running it and noting it) and may run after the deadline was cancelled or
moved (the job was already on its way), so it re-reads the state it acts on
and does nothing when there is nothing left to do.

Batch ids are deterministic (kind and items), and a batch is enqueued only
when rq does not hold that id yet, or holds it only as a job that is over
(a deadline scheduled anew at the same time runs anew).  A deadline reclaimed after a sweeper
crash goes alone through rq's atomic ``unique`` enqueue; if the batch its
first claimer enqueued ran it already, its mark in the kind's ``done`` zset
makes the new job skip it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import redis
from rq import Queue
from rq.job import Job, JobStatus

from ringback.clock import Clock
from ringback.observability import recorder
from ringback.scheduler.batches import (
    BATCH_SIZE,
    JOB_TIMEOUT_SECONDS,
    BatchJobs,
    batch_id,
    job_id,
)
from ringback.scheduler.deadlines import Claim, DeadlineKind, Deadlines
from ringback.worker import WORK_QUEUES

__all__ = ["DEFAULT_HANDLERS", "Sweeper", "job_id"]

log = logging.getLogger(__name__)

# The one place where each kind of deadline is given its job function.  A
# kind without an entry is not swept: its deadlines wait until it has one.
DEFAULT_HANDLERS: Mapping[DeadlineKind, str] = MappingProxyType({
    DeadlineKind.CALLBACK_EXPIRY: "ringback.callbacks.jobs.expire_callback",
    DeadlineKind.QUEUE_MAX_WAIT: "ringback.callbacks.jobs.queue_max_wait",
    DeadlineKind.OFFER_TIMEOUT: "ringback.callbacks.jobs.offer_timeout",
    DeadlineKind.WRAP_UP_END: "ringback.callbacks.jobs.wrap_up_end",
    DeadlineKind.CALLBACK_DIAL: "ringback.callbacks.jobs.continue_dialing",
    DeadlineKind.SIM_CALL: "ringback.telephony.sim_play.play_call",
})

JOB_RETRIES = 3
# A deadline handed on later than this after it was due means sweeping lags.
LATE_WARNING_SECONDS = 10.0
_OVER = frozenset(s.value for s in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED,
                                    JobStatus.CANCELED))
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


class Sweeper:
    """Claims due deadlines of every handled kind and enqueues their jobs."""

    def __init__(
        self,
        redis_client: redis.Redis,
        clock: Clock,
        deadlines: Deadlines,
        handlers: Mapping[DeadlineKind, str] = DEFAULT_HANDLERS,
        *,
        queue_name: str = WORK_QUEUES[0],
        job_timeout: int = JOB_TIMEOUT_SECONDS,
        retries: int = JOB_RETRIES,
        batch_size: int = BATCH_SIZE,
        stop: threading.Event | None = None,
    ) -> None:
        self._redis = redis_client
        self._clock = clock
        self._deadlines = deadlines
        self._handlers = {DeadlineKind(k): _check_path(v) for k, v in handlers.items()}
        self._queue = Queue(queue_name, connection=redis_client)
        self._jobs = BatchJobs(self._queue, job_timeout=job_timeout, retries=retries)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._batch_size = batch_size
        self._stop = stop or threading.Event()

    def sweep_once(self, limit: int = 1000) -> int:
        """One round: up to ``limit`` deadlines per kind; returns how many were claimed.

        A claim is acked only after its job is enqueued, so a crash in between
        leaves a lease that a later sweep reclaims.
        """
        handed = 0
        for kind in self._handlers:
            claims = self._deadlines.claim_due(kind, limit)
            if not claims:
                continue
            self.hand_on(claims)
            self._deadlines.ack_many(claims)
            handed += len(claims)
            now = self._clock.now()
            recorder().deadlines_handed(kind.value, now, (c.due_at for c in claims))
            late = now - min(c.due_at for c in claims)
            if late > LATE_WARNING_SECONDS:
                log.warning("%s deadlines handed on %.1f s late", kind.value, late)
        return handed

    def sweep(self, limit: int = 1000, max_rounds: int = 20) -> int:
        """Rounds of ``sweep_once`` until the backlog is gone (or ``max_rounds``).

        The scheduler calls this every second, so a burst of deadlines due at
        once is worked off in one tick rather than ``limit`` per second.  Once
        the ``stop`` event is set no further round starts.
        """
        total = 0
        for _ in range(max_rounds):
            if self._stop.is_set():
                break
            handed = self.sweep_once(limit)
            total += handed
            if handed < limit:
                break
        return total

    def hand_on(self, claims: Sequence[Claim]) -> int:
        """Enqueue the batch jobs of claims; returns how many claims went in new jobs.

        Fresh claims go in batches of one kind, in one pipeline after one
        existence check of the batch ids.  Reclaimed ones go one by one
        through rq's atomic unique enqueue, as their first claimer may have
        enqueued them just before it died.
        """
        handed = sum(self.enqueue(c) for c in claims if c.reclaimed)
        batches: list[tuple[DeadlineKind, list[tuple[str, float]]]] = []
        by_kind: dict[DeadlineKind, list[tuple[str, float]]] = {}
        for claim in claims:
            if not claim.reclaimed:
                by_kind.setdefault(claim.kind, []).append((claim.ref, claim.due_at))
        for kind, items in by_kind.items():
            batches.extend((kind, items[i:i + self._batch_size])
                           for i in range(0, len(items), self._batch_size))
        if not batches:
            return handed
        with self._redis.pipeline(transaction=False) as pipe:
            for kind, items in batches:
                pipe.hget(Job.key_for(batch_id(kind, items)), "status")
            statuses = pipe.execute()
        # A batch rq still has to run is not enqueued twice; one it has
        # finished (kept for its result) is enqueued again: scheduled anew.
        new = [b for b, status in zip(batches, statuses, strict=True)
               if status is None or _text(status) in _OVER]
        if new:
            with self._redis.pipeline() as pipe:
                self._queue.enqueue_many(
                    [self._jobs.batch_data(kind, self._handlers[kind], items)
                     for kind, items in new], pipeline=pipe)
                pipe.execute()
        return handed + sum(len(items) for _, items in new)

    def enqueue(self, claim: Claim) -> bool:
        """Hand one claim to rq atomically, as a batch of one; False when rq holds it."""
        if self._jobs.enqueue_batch(claim.kind, self._handlers[claim.kind],
                                    [(claim.ref, claim.due_at)]):
            return True
        # Handed to rq before (the sweeper that claimed it died before its
        # ack); rq runs, retries or fails that job, so nothing is lost.
        log.info("deadline %s %s already handed on", claim.kind.value, claim.ref)
        return False


def _check_path(path: str) -> str:
    if not isinstance(path, str) or not _DOTTED.match(path):
        raise ValueError(f"a deadline handler must be a dotted path module.function, not {path!r}")
    return path


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
