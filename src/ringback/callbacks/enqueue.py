"""Handing callback work to rq: one job id per piece of work, enqueued once.

Web requests and webhooks do no slow work inline; they enqueue a job from
``ringback.callbacks.jobs`` here.  Job ids are deterministic and enqueued
with rq's atomic ``unique`` flag, so a Call pressed twice or a webhook that
Twilio delivers twice gives one job (while rq still holds it), and the jobs
themselves are idempotent for the times it does not.
"""

from __future__ import annotations

from typing import Any

import redis

from ringback.jobs import WORK_QUEUES, UniqueJobs, unique_job_id
from ringback.redis_keys import CallbackKeys

JOBS = "ringback.callbacks.jobs"
JOB_TIMEOUT_SECONDS = 120
# place_callback: rq retries only an unexpected error (e.g. the database was
# away); Twilio's refusals are rescheduled by the dialer as deadlines.
PLACE_RETRIES = 2
RECORD_RETRIES = 5


def job_id(kind: str, subject: str) -> str:
    return unique_job_id("callback", kind, subject)


class UnrecordedCallbacks:
    """Callbacks whose SQL row a job has yet to write, so lists show them at once.

    ``CallbackKeys.unrecorded``: set of callback refs.  A ref is added when its
    record job is enqueued and removed by that job once the row exists; a list
    that finds the row written, or the entry gone, removes it too.
    """

    KEY = CallbackKeys.unrecorded

    def __init__(self, redis_client: redis.Redis) -> None:
        self._redis = redis_client

    def add(self, ref: str) -> None:
        self._redis.sadd(self.KEY, ref)

    def remove(self, *refs: str) -> None:
        if refs:
            self._redis.srem(self.KEY, *refs)

    def refs(self) -> list[str]:
        return sorted(r.decode() if isinstance(r, bytes) else str(r)
                      for r in self._redis.smembers(self.KEY))


class CallbackJobs:
    """Enqueues the callback lifecycle's rq jobs on the worker's queue."""

    def __init__(self, redis_client: redis.Redis, queue_name: str = WORK_QUEUES[0]) -> None:
        self._jobs = UniqueJobs(redis_client, JOBS, timeout=JOB_TIMEOUT_SECONDS,
                                queue_name=queue_name)
        self._unrecorded = UnrecordedCallbacks(redis_client)

    def record_request(self, ref: str) -> bool:
        """Write the SQL record of a new callback (the webhook only touched Redis);
        until it is written, lists find the callback among the unrecorded."""
        self._unrecorded.add(ref)
        return self._enqueue("record_request", job_id("record", ref), (ref,), RECORD_RETRIES)

    def place_callback(self, ref: str, agent_id: int, accepted_at: float) -> bool:
        """Ticket, toll-fraud check and the outbound call of one acceptance."""
        subject = f"{ref}@{round(accepted_at * 1000)}"
        return self._enqueue("place_callback", job_id("place", subject),
                             (ref, agent_id, accepted_at), PLACE_RETRIES)

    def finish_attempt(
        self, attempt_key: str, outcome: str, reason: str | None,
        handle_seconds: float | None, *, source: str, fallback: bool = False,
    ) -> bool:
        """Record how the call ended; ``source`` names the webhook that told us."""
        return self._enqueue(
            "finish_attempt", job_id(f"finish-{source}", attempt_key),
            (attempt_key, outcome, reason, handle_seconds, fallback), RECORD_RETRIES,
        )

    def adopt_call(self, attempt_key: str, call_sid: str) -> bool:
        """A status callback reported a call of the attempt (its ``initiated`` event)."""
        return self._enqueue("adopt_call", job_id("call", f"{attempt_key}/{call_sid}"),
                             (attempt_key, call_sid), RECORD_RETRIES)

    def mark_answered(self, attempt_key: str) -> bool:
        return self._enqueue("mark_answered", job_id("answered", attempt_key),
                             (attempt_key,), RECORD_RETRIES)

    def _enqueue(self, func: str, ident: str, args: tuple[Any, ...], retries: int) -> bool:
        return self._jobs.enqueue(func, ident, args, retries)
