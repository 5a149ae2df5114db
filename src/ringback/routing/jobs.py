"""The rq jobs of routing: ring an agent, move a caller back.

Thin functions over the worker's services (``job_services().routing``); each
is idempotent and re-checks that its offer still applies.  The deadline
handlers (offer timeout, wrap-up end) are in ``ringback.callbacks.jobs`` with
the scheduler's other handlers.
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

