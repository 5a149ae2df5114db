"""Due deadlines run in batches: one rq job for up to ``BATCH_SIZE`` of one kind.

One rq job per deadline caps throughput at rq's rate of jobs (a few hundred
a second); a batch job runs the kind's handler (``handler(ref, due_at)``)
for each of its items in turn.  The guarantees stay per item:

- each item is noted in the kind's ``done`` zset (``DeadlineKeys.done``)
  right after its handler returns, so a batch job run again (its worker died
  and the reaper handed it back to rq's retry) skips what already ran, and
  a deadline reclaimed after a sweeper crash that an earlier batch ran is
  skipped too;
- an item whose handler raises is handed on as a job of its own
  (``run_item``, rq's retries), and the batch carries on: one failing item
  never makes the batch run the others again;
- a worker told to stop (``ringback.worker.stop_requested``) stops between
  items and gives the rest back as a new batch job at the front of the queue.

Marks are kept for ``DONE_SECONDS`` (an hour), far longer than a job waits in rq
or for the reaper; scheduling a deadline anew drops its mark, so it runs anew.
Handlers keep their contract: idempotent, and re-checking that the deadline
still applies (a worker killed between an item's handler and its mark runs
that item once more).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

import redis
from rq import Queue, Retry, get_current_job
from rq.exceptions import DuplicateJobError
from rq.queue import EnqueueData
from rq.timeouts import JobTimeoutException
from rq.utils import import_attribute

from ringback.clock import Clock
from ringback.jobs import WORK_QUEUES
from ringback.observability import recorder
from ringback.redis_keys import DeadlineKeys
from ringback.scheduler.deadlines import Claim, DeadlineKind
from ringback.worker import job_services, stop_requested

log = logging.getLogger(__name__)

BATCH_SIZE = 200
JOB_TIMEOUT_SECONDS = 60
DONE_SECONDS = 3600.0
BATCH_FUNC = "ringback.scheduler.batches.run_batch"
ITEM_FUNC = "ringback.scheduler.batches.run_item"

Item = tuple[str, float]
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def job_id(claim: Claim) -> str:
    """The rq job id of one deadline: the same kind, ref and due time give the same id."""
    digest = hashlib.blake2b(claim.ref.encode(), digest_size=6).hexdigest()
    readable = _UNSAFE.sub("_", claim.ref)[:60]
    due_ms = round(claim.due_at * 1000)
    return f"deadline-{claim.kind.value}-{readable}-{digest}-{due_ms}"


def member(ref: str, due_at: float) -> str:
    return DeadlineKeys.done_member(ref, due_at)


def batch_id(kind: DeadlineKind, items: Sequence[Item]) -> str:
    """The same kind and items (in order) give the same id."""
    digest = hashlib.blake2b(digest_size=10)
    for ref, due_at in items:
        digest.update(member(ref, due_at).encode() + b"\n")
    return f"deadlines-{kind.value}-{len(items)}-{digest.hexdigest()}"


class BatchJobs:
    """Builds the rq jobs of deadline batches and of items handed on alone."""

    def __init__(self, queue: Queue, *, job_timeout: int, retries: int) -> None:
        self._queue = queue
        self._job_timeout = job_timeout
        self._retries = retries

    def batch_data(self, kind: DeadlineKind, handler: str, items: Sequence[Item]) -> EnqueueData:
        return Queue.prepare_data(
            BATCH_FUNC,
            args=(kind.value, handler, [[ref, float(due)] for ref, due in items]),
            kwargs={"retries": self._retries},
            job_id=batch_id(kind, items),
            timeout=self._job_timeout,
            # Only a dead worker or the batch's timeout makes rq retry a batch:
            # an item's error never leaves it.
            retry=Retry(max=self._retries) if self._retries else None,
            description=f"{len(items)} {kind.value} deadlines from {items[0][0]}",
        )

    def enqueue_batch(self, kind: DeadlineKind, handler: str, items: Sequence[Item],
                      *, at_front: bool = False) -> bool:
        """Enqueue one batch atomically; False when rq already holds that batch."""
        data = self.batch_data(kind, handler, items)
        try:
            self._queue.enqueue_call(
                data.func, args=data.args, kwargs=data.kwargs, job_id=data.job_id,
                timeout=data.timeout, retry=data.retry, description=data.description,
                at_front=at_front, unique=True,
            )
        except DuplicateJobError:
            return False
        return True

    def enqueue_item(self, kind: DeadlineKind, handler: str, ref: str, due_at: float,
                     job_id: str) -> bool:
        """One failed item as a job of its own, with the retries left after its first try.

        False when it has no retries (it is then only logged) or rq holds that job.
        """
        if self._retries < 1:
            return False
        try:
            self._queue.enqueue_call(
                ITEM_FUNC, args=(handler, ref, due_at), job_id=job_id,
                timeout=self._job_timeout,
                retry=Retry(max=self._retries - 1) if self._retries > 1 else None,
                description=f"{kind.value} deadline of {ref}", unique=True,
            )
        except DuplicateJobError:
            return False
        return True


class BatchRun:
    """Runs the items of one batch job; see the module docstring."""

    def __init__(self, redis_client: redis.Redis, clock: Clock, kind: DeadlineKind,
                 handler: str, jobs: BatchJobs) -> None:
        self._redis = redis_client
        self._clock = clock
        self._kind = kind
        self._handler = handler
        self._keys = DeadlineKeys(kind)
        self._jobs = jobs

    def run(self, items: Sequence[Item]) -> dict[str, int]:
        """Counts of items ``ran``, ``skipped`` (done before), ``failed``, ``given_back``."""
        counts = {"ran": 0, "skipped": 0, "failed": 0, "given_back": 0}
        members = [member(ref, due) for ref, due in items]
        seen = self._redis.zmscore(self._keys.done, members) if members else []
        func = import_attribute(self._handler)
        with _Marks(self._redis, self._keys.done) as marks:
            for index, ((ref, due_at), mark, known) in enumerate(
                    zip(items, members, seen, strict=True)):
                if known is not None:
                    counts["skipped"] += 1
                    continue
                if stop_requested():
                    rest = [item for item, k in zip(items[index:], seen[index:], strict=True)
                            if k is None]
                    self._jobs.enqueue_batch(self._kind, self._handler, rest, at_front=True)
                    counts["given_back"] = len(rest)
                    break
                started = self._clock.now()
                try:
                    func(ref, due_at)
                except JobTimeoutException:
                    raise  # the batch's time ran out (or its worker stops): rq retries it
                except Exception:
                    log.exception("%s deadline of %s failed", self._kind.value, ref)
                    if not self._jobs.enqueue_item(self._kind, self._handler, ref, due_at,
                                                   job_id(Claim(self._kind, ref, due_at))):
                        log.error("%s deadline of %s is not tried again", self._kind.value, ref)
                    counts["failed"] += 1
                    recorder().batch_item_finished(self._handler, started - due_at, False)
                else:
                    counts["ran"] += 1
                    recorder().batch_item_finished(self._handler, started - due_at, True)
                marks.add(mark, self._clock.now())
        self._redis.zremrangebyscore(self._keys.done, "-inf",
                                     f"({self._clock.now() - DONE_SECONDS}")
        return counts


class _Marks:
    """Done marks sent to Redis as each item ends, their replies read at the end.

    Each ZADD is written to the socket at once, so a worker killed after it
    still leaves the mark (the kernel delivers what was sent); not waiting
    for each reply halves the round trips of a batch.  A reply that is an
    error raises when the replies are read, and rq retries the batch.
    """

    def __init__(self, client: redis.Redis, key: str) -> None:
        self._pool = client.connection_pool
        self._key = key
        self._conn: Any = None
        self._pending = 0

    def __enter__(self) -> _Marks:
        self._conn = self._pool.get_connection()
        return self

    def add(self, mark: str, at: float) -> None:
        self._conn.send_command("ZADD", self._key, repr(at), mark)
        self._pending += 1

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        conn, self._conn = self._conn, None
        try:
            while self._pending:
                self._pending -= 1
                conn.read_response()
        except BaseException:
            conn.disconnect()
            raise
        finally:
            self._pool.release(conn)


def _jobs(retries: int) -> BatchJobs:
    """Jobs on the queue, and with the timeout, of the batch job running now."""
    job = get_current_job()
    queue = Queue(job.origin if job else WORK_QUEUES[0], connection=job_services().redis)
    timeout = int(job.timeout) if job and job.timeout else JOB_TIMEOUT_SECONDS
    return BatchJobs(queue, job_timeout=timeout, retries=retries)


def run_batch(kind: str, handler: str, items: list[list[object]], retries: int = 3
              ) -> dict[str, int]:
    """The rq job of one batch: ``items`` is ``[[ref, due_at], ...]``."""
    s = job_services()
    pairs = [(str(ref), float(due)) for ref, due in items]  # type: ignore[arg-type]
    return BatchRun(s.redis, s.clock, DeadlineKind(kind), handler, _jobs(retries)).run(pairs)


def run_item(handler: str, ref: str, due_at: float) -> object:
    """The rq job of an item that failed in its batch: rq retries it on its own."""
    return import_attribute(handler)(ref, due_at)
