"""Handing the slow part of routing to rq: ringing an agent, moving a caller back.

Routing itself is Redis work and runs inside the request that caused it;
talking to Twilio (redirecting the caller's call) never does.  Job ids name
the offer, and rq's atomic ``unique`` enqueue makes a repeated request one
job while rq holds it; the jobs are idempotent for the times it does not.
"""

from __future__ import annotations

from typing import Any

import redis

from ringback.jobs import WORK_QUEUES, UniqueJobs, unique_job_id
from ringback.routing.urls import OfferTag

JOBS = "ringback.routing.jobs"
JOB_TIMEOUT_SECONDS = 60
# A retryable Twilio error (rate limit, outage) after the adapter's own backoff.
TELEPHONY_RETRIES = 2


def job_id(kind: str, subject: str) -> str:
    return unique_job_id("routing", kind, subject)


class RoutingJobs:
    """Enqueues the routing package's rq jobs on the worker's queue."""

    def __init__(self, redis_client: redis.Redis, queue_name: str = WORK_QUEUES[0]) -> None:
        self._jobs = UniqueJobs(redis_client, JOBS, timeout=JOB_TIMEOUT_SECONDS,
                                queue_name=queue_name)

    def ring(self, tag: OfferTag, *, accepted: bool = False) -> bool:
        """Ring the agent of a live caller's offer (a softphone only once ``accepted``)."""
        kind = "ring-accepted" if accepted else "ring"
        args = (tag.queue_id, tag.entry_id, tag.agent_id, tag.deadline_ms, accepted)
        return self._enqueue("ring_agent", job_id(kind, f"{tag.ref}@{tag}"), args)

    def requeue(self, tag: OfferTag) -> bool:
        """Move the caller of a missed offer back into the queue, if its agent was rung."""
        args = (tag.queue_id, tag.entry_id, tag.agent_id, tag.deadline_ms)
        return self._enqueue("requeue_caller", job_id("requeue", f"{tag.ref}@{tag}"), args)

    def _enqueue(self, func: str, ident: str, args: tuple[Any, ...]) -> bool:
        return self._jobs.enqueue(func, ident, args, TELEPHONY_RETRIES)
