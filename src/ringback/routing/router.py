"""The router: offers waiting callers and callbacks to available agents, on events.

Nothing polls.  Whatever changes who is waiting or who is free calls the
router before it returns: a caller joins (webhook), an agent turns available
(API), an offer is missed, rejected or times out (webhook, API, deadline
job), a call or wrap-up ends (webhook, job).  ``route`` then offers the head
entry of the queue to the longest-idle available agent, again and again
while both exist; each offer goes through ``offer_next``, which arms its
timeout.  An offer of a live caller also enqueues the job that
rings the agent; a callback's offer waits for the agent to accept (the
agent's Call), so no more callbacks are dialled than agents are ready.
"""

from __future__ import annotations

import logging

from ringback.callbacks.service import entry_ref, parse_entry_ref
from ringback.clock import Clock
from ringback.queue.models import AgentState, EntryKind, Offer
from ringback.queue.service import QueueService
from ringback.routing.enqueue import RoutingJobs
from ringback.routing.urls import OfferTag
from ringback.scheduler.deadlines import DeadlineKind, Deadlines

log = logging.getLogger(__name__)

OFFER_TIMED_OUT = "the offer timed out"


class Router:
    def __init__(self, queue: QueueService, deadlines: Deadlines, jobs: RoutingJobs,
                 clock: Clock, *, max_offers: int = 64) -> None:
        self._queue = queue
        self._deadlines = deadlines
        self._jobs = jobs
        self._clock = clock
        self._max_offers = max_offers

    def offer_next(self, queue_id: str) -> Offer | None:
        """Offer the head entry to the next agent and arm the offer's timeout."""
        offer = self._queue.offer_next(queue_id)
        if offer is not None:
            self._deadlines.schedule(DeadlineKind.OFFER_TIMEOUT,
                                     entry_ref(offer.queue_id, offer.entry_id), offer.deadline)
        return offer

    def route(self, queue_id: str) -> list[Offer]:
        """Offer entries of ``queue_id`` while an entry and an agent are free."""
        offers: list[Offer] = []
        while len(offers) < self._max_offers:
            offer = self.offer_next(queue_id)
            if offer is None:
                break
            offers.append(offer)
            if offer.entry.kind is EntryKind.LIVE:
                self._jobs.ring(OfferTag.of(offer))
        return offers

    def route_agent(self, agent_id: str) -> list[Offer]:
        """The agent became free: route each of its queues while it stays available."""
        offers: list[Offer] = []
        for queue_id in self._queue.agent(agent_id).queues:
            if self._queue.agent(agent_id).state is not AgentState.AVAILABLE:
                break
            offers += self.route(queue_id)
        return offers

    def after_call(self, agent_id: str) -> None:
        """A call ended: the wrap-up's end is a deadline, or the agent is free now."""
        presence = self._queue.agent(agent_id)
        if presence.state is AgentState.WRAP_UP and presence.wrap_up_until is not None:
            self._deadlines.schedule(DeadlineKind.WRAP_UP_END, agent_id, presence.wrap_up_until)
        elif presence.state is AgentState.AVAILABLE:
            self.route_agent(agent_id)

    def missed(self, tag: OfferTag, reason: str) -> bool:
        """The agent let the offer go unanswered: the entry keeps its place and goes to
        the next agent; the agent is *missed* (not offered again) until back.
        Only while the entry is still in that offer (checked by the script)."""
        q, e, agent = tag.queue_id, tag.entry_id, tag.agent_id
        if not self._queue.miss(q, e, agent, reason, str(tag)):
            return False
        self._deadlines.cancel(DeadlineKind.OFFER_TIMEOUT, tag.ref)
        log.info("agent %s missed %s (%s)", agent, tag.ref, reason)
        self.route(q)
        return True

    def withdrawn(self, tag: OfferTag) -> None:
        """An offer ended without the agent (logged out, rejected): the entry is offered
        on, and a caller whose agent was being rung goes back to holding."""
        self._deadlines.cancel(DeadlineKind.OFFER_TIMEOUT, tag.ref)
        entry = self._queue.get(tag.queue_id, tag.entry_id)
        if entry is not None and entry.kind is EntryKind.LIVE:
            self._jobs.requeue(tag)
        self.route(tag.queue_id)

    def caller_left(self, queue_id: str, entry_id: str) -> None:
        """The caller's call ended while an agent was being offered it: abandoned."""
        entry = self._queue.get(queue_id, entry_id)
        if entry is None or entry.kind is not EntryKind.LIVE:
            return
        if self._queue.leave(queue_id, entry_id) is not None:
            ref = entry_ref(queue_id, entry_id)
            self._deadlines.cancel(DeadlineKind.QUEUE_MAX_WAIT, ref)
            self._deadlines.cancel(DeadlineKind.OFFER_TIMEOUT, ref)
            self.route(queue_id)

    # Deadline handlers (rq jobs, see ringback.callbacks.jobs)

    def offer_timed_out(self, ref: str, due_at: float) -> bool:
        """OFFER_TIMEOUT: nobody answered in time; as ``missed``, and a caller whose
        agent's phone still rings is moved back to holding."""
        current = self._deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, ref)
        if current is not None and current > due_at:
            return False  # moved later (a softphone accepted and is being rung)
        queue_id, entry_id = parse_entry_ref(ref)
        entry = self._queue.get(queue_id, entry_id)
        tag = OfferTag.of_entry(entry) if entry is not None else None
        if entry is None or tag is None or (entry.offer_deadline or 0.0) > self._clock.now():
            return False
        if not self.missed(tag, OFFER_TIMED_OUT):
            return False
        if entry.kind is EntryKind.LIVE:
            self._jobs.requeue(tag)
        return True

    def wrap_up_ended(self, agent_id: str, due_at: float) -> bool:
        """WRAP_UP_END: the agent is available again and offered the next entry."""
        if not self._queue.end_wrap_up(agent_id, only_if_due=True):
            return False
        self.route_agent(agent_id)
        return True
