"""Agent presence as agents and the console see it, and the agent's own switch.

An agent sets itself ``available``, ``away`` or ``logged_out``; routing moves
it through ``offered``, ``busy`` and ``wrap_up``, and to ``missed`` when it
let an offer go unanswered.  All seven are states of the queue engine's one
agent state machine (``AgentState``, ``ringback.queue.presence``); this
service adds what the agent needs to see: the offer or call it holds.

Going available needs an endpoint to ring and at least one queue; it routes
the agent's queues at once, so an offer exists before the request returns.
Going away or logged out with an offer pending gives the offer back (the
entry keeps its place) and routes it on; during a call it is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ringback.agents import AgentDirectory, Principal
from ringback.errors import Conflict, ValidationError
from ringback.queue.models import (
    SETTABLE_AGENT_STATES,
    AgentPresence,
    AgentState,
    MissedOffer,
)
from ringback.queue.service import QueueService
from ringback.redis_keys import check_id
from ringback.routing.endpoints import parse_endpoint
from ringback.routing.offers import OfferService, OfferView
from ringback.routing.router import Router
from ringback.routing.urls import OfferTag
from ringback.store.models import Agent

# The console's and API's name for the agent's states: the engine's own.
PresenceState = AgentState

SETTABLE = SETTABLE_AGENT_STATES
MAX_QUEUES = 20


@dataclass(frozen=True)
class AgentStatus:
    agent_id: int
    state: PresenceState
    queues: tuple[str, ...]
    idle_since: float | None = None  # available: waiting for a call since
    wrap_up_until: float | None = None
    away_since: float | None = None  # away / missed
    missed: MissedOffer | None = None  # the offer that was missed, and why
    offer: OfferView | None = None  # offered / busy: the entry


class PresenceService:
    def __init__(self, *, queue: QueueService, router: Router, offers: OfferService,
                 agents: AgentDirectory) -> None:
        self._queue = queue
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
            parse_endpoint(agent.endpoint, rules=self._agents.endpoint_rules())
            if not (members or before.queues):
                raise ValidationError({"queues": "name the queues to take calls from"})
            if before.state in (AgentState.OFFERED, AgentState.BUSY) and members is None:
                return self.get(agent.id)  # already taking calls
            self._queue.set_agent_state(ident, AgentState.AVAILABLE, members)
            self._router.route_agent(ident)
            return self.get(agent.id)
        pending = self._pending_offer(ident)
        self._queue.set_agent_state(ident, wanted, members)  # Conflict in a call
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
        presence = self._queue.agent(check_id("agent_id", str(agent_id)))
        offer = self._offers.current(agent_id) \
            if presence.state in (AgentState.OFFERED, AgentState.BUSY) else None
        return _status(agent_id, presence, offer)

    def get_many(self, agent_ids: Iterable[int]) -> dict[int, AgentStatus]:
        """Every named agent's status in a fixed number of Redis round trips, however
        many agents there are (the live board)."""
        ids = list(agent_ids)
        found = self._queue.agents(str(a) for a in ids)
        offers = self._offers.held([found[str(a)] for a in ids])
        return {a: _status(a, found[str(a)], offers.get(str(a))) for a in ids}


def _status(agent_id: int, presence: AgentPresence, offer: OfferView | None) -> AgentStatus:
    return AgentStatus(
        agent_id=agent_id, state=presence.state, queues=presence.queues,
        idle_since=presence.idle_since, wrap_up_until=presence.wrap_up_until,
        away_since=presence.away_since, missed=presence.missed, offer=offer)


def _settable(state: object) -> AgentState:
    if isinstance(state, str) and state in {s.value for s in SETTABLE}:
        return AgentState(state)
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
