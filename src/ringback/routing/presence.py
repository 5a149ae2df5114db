"""Agent presence as agents and the console see it, and the agent's own switch.

An agent sets itself ``available``, ``away`` or ``logged_out``; routing moves
it through ``offered``, ``busy`` and ``wrap_up``, and to ``missed`` when it
let an offer go unanswered.  The queue engine holds the routable part
(available, offered, busy, wrap-up, logged out); away and missed are logged
out there, with the reason in ``AwayNotes``.

Going available needs an endpoint to ring and at least one queue; it routes
the agent's queues at once, so an offer exists before the request returns.
Going away or logged out with an offer pending gives the offer back (the
entry keeps its place) and routes it on; during a call it is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ringback.agents import AgentDirectory, Principal
from ringback.errors import Conflict, ValidationError
from ringback.queue.keys import check_id
from ringback.queue.models import AgentState
from ringback.queue.service import QueueService
from ringback.routing.away import AwayNote, AwayNotes, AwayReason
from ringback.routing.endpoints import parse_endpoint
from ringback.routing.offers import OfferService, OfferView
from ringback.routing.router import Router
from ringback.routing.urls import OfferTag
from ringback.store.models import Agent


class PresenceState(str, Enum):
    AVAILABLE = "available"
    AWAY = "away"
    LOGGED_OUT = "logged_out"
    # Set by routing, not by the agent:
    OFFERED = "offered"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    MISSED = "missed"


SETTABLE = (PresenceState.AVAILABLE, PresenceState.AWAY, PresenceState.LOGGED_OUT)
MAX_QUEUES = 20


@dataclass(frozen=True)
class AgentStatus:
    agent_id: int
    state: PresenceState
    queues: tuple[str, ...]
    idle_since: float | None = None  # available: waiting for a call since
    wrap_up_until: float | None = None
    away_since: float | None = None  # away / missed
    missed: AwayNote | None = None  # the offer that was missed, and why
    offer: OfferView | None = None  # offered / busy: the entry


class PresenceService:
    def __init__(self, *, queue: QueueService, away: AwayNotes, router: Router,
                 offers: OfferService, agents: AgentDirectory) -> None:
        self._queue = queue
        self._away = away
        self._router = router
        self._offers = offers
        self._agents = agents

    def set(self, agent_id: int, state: object,
            queues: Sequence[str] | None = None) -> AgentStatus:
        """The agent's own switch: available (routes its queues now), away, logged out."""
        wanted = _settable(state)
        members = _queues(queues)
        agent = self._agents.get(agent_id)  # NotFound for an unknown agent
        ident = str(agent.id)
        before = self._queue.agent(ident)
        if wanted is PresenceState.AVAILABLE:
            if not agent.endpoint:
                raise ValidationError({"endpoint": "the agent needs an endpoint (phone number, "
                                                   "SIP URI or client:identity) to take calls"})
            parse_endpoint(agent.endpoint)
            if not (members or before.queues):
                raise ValidationError({"queues": "name the queues to take calls from"})
            if before.state in (AgentState.OFFERED, AgentState.BUSY) and members is None:
                return self.get(agent.id)  # already taking calls
            self._queue.set_agent_state(ident, AgentState.AVAILABLE, members)
            self._away.clear(ident)
            self._router.route_agent(ident)
            return self.get(agent.id)
        pending = self._pending_offer(ident)
        self._queue.set_agent_state(ident, AgentState.LOGGED_OUT, members)  # Conflict in a call
        if wanted is PresenceState.AWAY:
            self._away.away(ident)
        else:
            self._away.clear(ident)
        if pending is not None:
            self._router.withdrawn(pending)
        return self.get(agent.id)

    def remove(self, agent_id: int, *, by: Principal) -> Agent:
        """Remove an agent for good: out of every queue (a pending offer goes back and
        is offered on), then the record.  Refused with Conflict during a call, so no
        caller is left with nobody; NotFound / PermissionDenied as the directory says."""
        agent = self._agents.removable(agent_id, by=by)
        ident = str(agent.id)
        pending = self._pending_offer(ident)
        try:
            self._queue.remove_agent(ident)
        except Conflict:
            raise Conflict(f"{agent.name} is on a call; remove them once the call has ended")\
                from None
        self._away.clear(ident)
        if pending is not None:
            self._router.withdrawn(pending)
        return self._agents.remove(agent.id, by=by)

    def _pending_offer(self, ident: str) -> OfferTag | None:
        before = self._queue.agent(ident)
        if before.state is not AgentState.OFFERED or not (before.queue_id and before.entry_id):
            return None
        entry = self._queue.get(before.queue_id, before.entry_id)
        tag = OfferTag.of_entry(entry) if entry is not None else None
        return tag if tag is not None and tag.agent_id == ident else None

    def get(self, agent_id: int) -> AgentStatus:
        ident = str(agent_id)
        presence = self._queue.agent(check_id("agent_id", ident))
        state = PresenceState(presence.state.value)
        note = self._away.get(ident) if state is PresenceState.LOGGED_OUT else None
        if note is not None:
            state = PresenceState.MISSED if note.reason is AwayReason.MISSED \
                else PresenceState.AWAY
        offer = self._offers.current(agent_id) \
            if state in (PresenceState.OFFERED, PresenceState.BUSY) else None
        return AgentStatus(
            agent_id=agent_id, state=state, queues=presence.queues,
            idle_since=presence.idle_since, wrap_up_until=presence.wrap_up_until,
            away_since=note.since if note else None,
            missed=note if note and note.reason is AwayReason.MISSED else None, offer=offer)


def _settable(state: object) -> PresenceState:
    if isinstance(state, str) and state in {s.value for s in SETTABLE}:
        return PresenceState(state)
    raise ValidationError({"state": "must be one of available, away, logged_out"})


def _queues(queues: object) -> list[str] | None:
    if queues is None:
        return None
    rule = f"must be a list of 1-{MAX_QUEUES} queue ids"
    if not isinstance(queues, list | tuple) or not 0 < len(queues) <= MAX_QUEUES:
        raise ValidationError({"queues": rule})
    for i, queue_id in enumerate(queues):
        if not isinstance(queue_id, str):
            raise ValidationError({f"queues.{i}": "must be a queue id"})
        check_id(f"queues.{i}", queue_id)
    return list(queues)
