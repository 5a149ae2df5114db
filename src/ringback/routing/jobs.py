"""The rq jobs of routing: ring an agent, move a caller back, and the deadline
handlers for a timed-out offer and the end of a wrap-up.

Thin functions over the worker's services (``job_services().routing``); each
is idempotent and re-checks that its offer or deadline still applies.
"""

from __future__ import annotations

from ringback.routing.urls import OfferTag
from ringback.worker import job_services


def ring_agent(queue_id: str, entry_id: str, agent_id: str, deadline_ms: int,
               accepted: bool = False) -> bool:
    """Redirect the offered caller to the ``<Dial>`` of the agent's endpoint."""
    tag = OfferTag(queue_id, entry_id, agent_id, deadline_ms)
    return job_services().routing.live.ring(tag, accepted=accepted)


def requeue_caller(queue_id: str, entry_id: str, agent_id: str, deadline_ms: int) -> bool:
    """The offer is over: a caller still ringing its agent goes back to holding."""
    tag = OfferTag(queue_id, entry_id, agent_id, deadline_ms)
    return job_services().routing.live.requeue(tag)


def offer_timeout(ref: str, due_at: float) -> bool:
    return job_services().routing.router.offer_timed_out(ref, due_at)


def wrap_up_end(agent_id: str, due_at: float) -> bool:
    return job_services().routing.router.wrap_up_ended(agent_id, due_at)
