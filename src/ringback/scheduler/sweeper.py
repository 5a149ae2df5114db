"""The sweeper: turns due deadlines into rq jobs, one job per deadline.

Each kind of deadline has a handler, the dotted path of an rq job function
called as ``handler(ref, due_at)`` on the worker's queue.  The contract every
handler keeps: it is idempotent and checks that the deadline still applies.
A handler may run more than once for one deadline (rq retries a job whose
worker died) and may run after the deadline was cancelled or moved (the job
was already on its way), so it re-reads the state it acts on and does
nothing when there is nothing left to do.

Job ids are deterministic (kind, ref, due time), and a job is enqueued only
when rq does not hold that id yet: a deadline reclaimed after a sweeper
crash goes through rq's atomic ``unique`` enqueue, so it is not enqueued (nor
run) a second time while rq still holds the job its first claimer enqueued.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.queue import EnqueueData

from ringback.clock import Clock
from ringback.observability import recorder
from ringback.scheduler.deadlines import Claim, DeadlineKind, Deadlines
from ringback.worker import WORK_QUEUES

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

JOB_TIMEOUT_SECONDS = 60
JOB_RETRIES = 3
# A deadline handed on later than this after it was due means sweeping lags.
LATE_WARNING_SECONDS = 10.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


def job_id(claim: Claim) -> str:
    """The rq job id of one deadline: the same kind, ref and due time give the same id."""
    digest = hashlib.blake2b(claim.ref.encode(), digest_size=6).hexdigest()
    readable = _UNSAFE.sub("_", claim.ref)[:60]
    due_ms = round(claim.due_at * 1000)
    return f"deadline-{claim.kind.value}-{readable}-{digest}-{due_ms}"


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
    ) -> None:
        self._redis = redis_client
        self._clock = clock
        self._deadlines = deadlines
        self._handlers = {DeadlineKind(k): _check_path(v) for k, v in handlers.items()}
        self._queue = Queue(queue_name, connection=redis_client)
        self._job_timeout = job_timeout
        self._retries = retries

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
        once is worked off in one tick rather than ``limit`` per second.
        """
        total = 0
        for _ in range(max_rounds):
            handed = self.sweep_once(limit)
            total += handed
            if handed < limit:
                break
        return total

    def hand_on(self, claims: Sequence[Claim]) -> int:
        """Enqueue the jobs of claims that rq does not hold yet; returns how many.

        Fresh claims go in one pipeline after one existence check: no other
        sweeper holds them, since the claim was exclusive.  Reclaimed ones go
        one by one through rq's atomic unique enqueue, as their first claimer
        may have enqueued them just before it died.
        """
        handed = sum(self.enqueue(c) for c in claims if c.reclaimed)
        fresh = [c for c in claims if not c.reclaimed]
        if not fresh:
            return handed
        with self._redis.pipeline(transaction=False) as pipe:
            for claim in fresh:
                pipe.exists(Job.key_for(job_id(claim)))
            held = pipe.execute()
        new = [c for c, known in zip(fresh, held, strict=True) if not known]
        if new:
            with self._redis.pipeline() as pipe:
                self._queue.enqueue_many([self._job_data(c) for c in new], pipeline=pipe)
                pipe.execute()
        return handed + len(new)

    def enqueue(self, claim: Claim) -> bool:
        """Hand one claim to rq atomically; False when rq already holds its job."""
        data = self._job_data(claim)
        try:
            self._queue.enqueue_call(
                data.func, args=data.args, job_id=data.job_id, timeout=data.timeout,
                retry=data.retry, description=data.description, unique=True,
            )
        except DuplicateJobError:
            # Handed to rq before (the sweeper that claimed it died before its
            # ack); rq runs, retries or fails that job, so nothing is lost.
            log.info("deadline %s %s already handed on", claim.kind.value, claim.ref)
            return False
        return True

    def _job_data(self, claim: Claim) -> EnqueueData:
        return Queue.prepare_data(
            self._handlers[claim.kind],
            args=(claim.ref, claim.due_at),
            job_id=job_id(claim),
            timeout=self._job_timeout,
            retry=Retry(max=self._retries) if self._retries else None,
            description=f"{claim.kind.value} deadline of {claim.ref}",
        )


def _check_path(path: str) -> str:
    if not isinstance(path, str) or not _DOTTED.match(path):
        raise ValueError(f"a deadline handler must be a dotted path module.function, not {path!r}")
    return path
