"""Offers as an agent sees them, and the agent's answer: accept or reject.

An offer's id is its entry ref, ``<queue_id>:<entry_id>`` (the same id a
callback has).  What accepting means depends on the entry:

- a callback: the agent calls the customer back (``CallbackService.call``:
  the agent's phone rings first, then the customer's);
- a live caller: the agent's endpoint rings now.  Desk and SIP phones ring
  the moment they are offered a caller, so accepting only confirms; a
  softphone rings once accepted, and the offer's timeout is moved so the
  ringing gets the queue's whole offer time.  Answering the endpoint is what
  connects the caller.

Rejecting gives the entry back at its place; it goes to the other members of
the queue first (the queue engine's decline rule), and the agent stays
available.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ringback.agents import AgentDirectory
from ringback.callbacks.service import CallbackService, entry_ref, parse_entry_ref
from ringback.clock import Clock
from ringback.errors import Conflict, NotFound
from ringback.queue.models import AgentPresence, Entry, EntryKind, EntryState, Intent
from ringback.queue.service import QueueService
from ringback.routing.endpoints import parse_endpoint
from ringback.routing.enqueue import RoutingJobs
from ringback.routing.router import Router
from ringback.routing.urls import OfferTag
from ringback.scheduler.deadlines import DeadlineKind, Deadlines


@dataclass(frozen=True)
class OfferView:
    """An entry offered to (or taken by) an agent, with what the agent needs to decide."""

    id: str
    queue_id: str
    entry_id: str
    kind: EntryKind
    state: EntryState
    agent_id: str | None
    caller: str
    callback_number: str
    dialled: str
    language: str
    intent: Intent
    position: int | None
    wait_seconds: float
    deadline: float | None


class OfferService:
    def __init__(self, *, queue: QueueService, callbacks: CallbackService, router: Router,
                 deadlines: Deadlines, jobs: RoutingJobs, agents: AgentDirectory,
                 clock: Clock) -> None:
        self._queue = queue
        self._callbacks = callbacks
        self._router = router
        self._deadlines = deadlines
        self._jobs = jobs
        self._agents = agents
        self._clock = clock

    def view(self, entry: Entry) -> OfferView:
        held = entry.state is EntryState.ACCEPTED
        position = None if held else self._queue.position(entry.queue_id, entry.entry_id)
        return self._view(entry, position, self.deadlines([entry]))

    def deadlines(self, entries: Iterable[Entry]) -> dict[str, float | None]:
        """Each offered entry's deadline by ref: the timeout, moved when a softphone
        accepted (one round trip for any number of entries)."""
        offered = {entry_ref(e.queue_id, e.entry_id): e for e in entries
                   if e.state is EntryState.OFFERED}
        due = self._deadlines.due_at_many(DeadlineKind.OFFER_TIMEOUT, offered)
        return {ref: due.get(ref) or e.offer_deadline for ref, e in offered.items()}

    def held(self, presences: Sequence[AgentPresence]) -> dict[str, OfferView]:
        """The offer or call of each agent that holds one, by agent id, in a fixed
        number of round trips however many agents there are."""
        found = self._queue.held(presences)
        deadlines = self.deadlines(entry for entry, _ in found.values())
        return {agent: self._view(entry, position, deadlines)
                for agent, (entry, position) in found.items()}

    def _view(self, entry: Entry, position: int | None,
              deadlines: dict[str, float | None]) -> OfferView:
        held = entry.state is EntryState.ACCEPTED
        ref = entry_ref(entry.queue_id, entry.entry_id)
        end = entry.accepted_at if held and entry.accepted_at else self._clock.now()
        return OfferView(
            id=ref, queue_id=entry.queue_id,
            entry_id=entry.entry_id, kind=entry.kind, state=entry.state,
            agent_id=entry.accepted_by if held else entry.offered_to, caller=entry.caller,
            callback_number=entry.callback_number, dialled=entry.dialled,
            language=entry.language, intent=entry.intent,
            position=None if held else position,
            wait_seconds=round(end - (entry.requested_at or entry.enqueued_at), 3),
            deadline=deadlines.get(ref),
        )

    def current(self, agent_id: int) -> OfferView | None:
        """The entry offered to the agent, or the one it is busy with."""
        presence = self._queue.agent(str(agent_id))
        if not (presence.queue_id and presence.entry_id):
            return None
        entry = self._queue.get(presence.queue_id, presence.entry_id)
        return self.view(entry) if entry is not None else None

    def get(self, offer_id: str) -> Entry:
        queue_id, entry_id = parse_entry_ref(offer_id)
        entry = self._queue.get(queue_id, entry_id) if queue_id and entry_id else None
        if entry is None:
            raise NotFound("offer", offer_id)
        return entry

    def accept(self, offer_id: str, agent_id: int) -> OfferView:
        """The agent takes the offer (see the module's docstring); accepting again is a
        no-op.  NotFound when the entry left, Conflict when it is not offered to them."""
        entry = self.get(offer_id)
        agent = str(agent_id)
        if entry.state is EntryState.ACCEPTED and entry.accepted_by == agent:
            return self.view(entry)
        tag = self._offered(entry, agent)
        if entry.kind is EntryKind.CALLBACK:
            record = self._agents.get(agent_id)
            self._callbacks.call(offer_id, record.id, record.endpoint)
            return self.view(self.get(offer_id))
        parse_endpoint(self._agents.get(agent_id).endpoint, rules=self._agents.endpoint_rules())
        offer_seconds = self._queue.settings(entry.queue_id).offer_timeout_seconds
        due = self._deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, tag.ref) or 0.0
        self._deadlines.schedule(DeadlineKind.OFFER_TIMEOUT, tag.ref,
                                 max(due, self._clock.now() + offer_seconds))
        self._jobs.ring(tag, accepted=True)
        return self.view(entry)

    def reject(self, offer_id: str, agent_id: int) -> OfferView:
        """The agent passes: the entry keeps its place and is offered on."""
        entry = self.get(offer_id)
        tag = self._offered(entry, str(agent_id))
        if entry.kind is EntryKind.CALLBACK:
            self._callbacks.decline(offer_id, agent_id)
        elif not self._queue.decline(entry.queue_id, entry.entry_id, str(agent_id)):
            raise Conflict(f"offer {offer_id} is no longer yours")
        self._router.withdrawn(tag)
        return self.view(self.get(offer_id))

    def decline_callback(self, ref: str, agent_id: int) -> None:
        """The agent passes on a callback, from the list or from an offer of theirs.

        Either way it keeps its place; an offer is ended the way a reject ends it
        (its timeout cancelled, the callback offered on at once) instead of being
        left until the timeout. NotFound when the callback left the queue.
        """
        entry = self._callbacks.get(ref)
        if entry.state is EntryState.OFFERED and entry.offered_to == str(agent_id):
            self.reject(ref, agent_id)
        else:
            self._callbacks.decline(ref, agent_id)

    def _offered(self, entry: Entry, agent: str) -> OfferTag:
        tag = OfferTag.of_entry(entry)
        if tag is None or tag.agent_id != agent:
            ref = entry_ref(entry.queue_id, entry.entry_id)
            if entry.state is EntryState.ACCEPTED:
                raise Conflict(f"{ref} is already with an agent")
            raise Conflict(f"{ref} is not offered to agent {agent}")
        return tag
