"""A live caller's way to an agent: ring, answer, talk, and back to the queue.

The caller waits in Twilio's ``<Enqueue>``; our Redis entry keeps the place.
When the caller is offered to an agent, the job ``ring`` redirects the
caller's call (Twilio's Call update) to the connect webhook, whose ``<Dial>``
rings the agent's endpoint with the caller's number as caller id.  The agent
answering fetches the whisper: that is the acceptance (``queue.accept``, the
agent busy).  The ``<Dial action>`` tells how it ended:

- talked: the entry completes with the handle time, the agent goes to
  wrap-up (its end is a deadline);
- not answered: the agent *missed* it (``Router.missed``), the caller goes
  back into ``<Enqueue>`` at the same place and the next agent is offered.

The live call's state (``LiveCallState``) is stored with its queue entry and
changed by one queue script per transition (``ringback.queue.live_states``):
the entry notes the offer whose agent was rung (``RING``), so a job run twice
never rings twice, and a late "move the caller back" job (``REQUEUE``) never
pulls the caller out of a newer agent's ``<Dial>``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from ringback.agents import AgentDirectory
from ringback.clock import Clock
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.queue.live_states import LiveCallState
from ringback.queue.models import Entry, EntryKind, EntryState
from ringback.queue.service import QueueService
from ringback.routing.endpoints import Endpoint, parse_endpoint
from ringback.routing.router import Router
from ringback.routing.urls import AgentUrls, OfferTag, ring_seconds
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.telephony import CallNotFound, CallNotInProgress, Telephony, TelephonyError

log = logging.getLogger(__name__)

# DialCallStatus of an agent's leg that never connected -> why the offer was missed.
NOT_ANSWERED = {
    "no-answer": "the agent did not answer",
    "busy": "the agent's line was busy",
    "failed": "the agent's endpoint could not be reached",
    "canceled": "the call to the agent was canceled",
}
NO_ENDPOINT = "the agent has no endpoint to ring"


class DialEnd(str, Enum):
    """What the caller's call does after the ``<Dial>`` to an agent."""

    HANG_UP = "hang_up"  # talked (or the caller is gone): the call is over
    REQUEUE = "requeue"  # not connected: back into the queue


@dataclass(frozen=True)
class DialPlan:
    entry: Entry
    endpoint: Endpoint
    ring_seconds: int


class LiveCalls:
    def __init__(self, *, queue: QueueService, router: Router, deadlines: Deadlines,
                 telephony: Telephony, agents: AgentDirectory, urls: AgentUrls,
                 clock: Clock, on_answered: Callable[[Entry], None] | None = None,
                 on_finished: Callable[[Entry], None] | None = None) -> None:
        self._queue = queue
        # Told of every caller an agent took (the customer user's call timeline).
        self._on_answered = on_answered or (lambda _entry: None)
        self._on_finished = on_finished or (lambda _entry: None)  # the CTI webhook's hangup
        self._router = router
        self._deadlines = deadlines
        self._telephony = telephony
        self._agents = agents
        self._urls = urls
        self._clock = clock

    def state(self, queue_id: str, entry_id: str) -> LiveCallState:
        """The live call's state, read from its entry."""
        return LiveCallState.of(self._queue.get(queue_id, entry_id))

    # Jobs

    def ring(self, tag: OfferTag, *, accepted: bool = False) -> bool:
        """Redirect the offered caller's call to the ``<Dial>`` of the agent's endpoint.

        A desk phone or SIP phone rings on the offer; a softphone once the agent
        accepted in the console. Raises ``TelephonyError`` when retryable.
        The entry goes offered -> connecting first (``RING``): of two runs of the job
        one rings, and none once the offer is over.
        """
        endpoint = self.endpoint(tag.agent_id)
        if endpoint is None:
            entry = self._queue.get(tag.queue_id, tag.entry_id)
            if entry is not None and entry.kind is EntryKind.LIVE:
                self._router.missed(tag, NO_ENDPOINT)
            return False
        if not (endpoint.rings_on_offer or accepted):
            return False
        change = self._queue.ring(tag.queue_id, tag.entry_id, str(tag))
        entry = change.entry
        if not change.ok or entry is None:
            return False  # rung already, a callback, or the offer is over
        until = self._deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, tag.ref)
        ring = ring_seconds(until or entry.offer_deadline or 0.0, self._clock.now())
        try:
            self._telephony.redirect_call(entry.call_sid,
                                          self._urls.connect(tag, str(endpoint), ring))
        except (CallNotInProgress, CallNotFound):
            log.info("offer %s@%s: the caller's call already ended", tag.ref, tag)
            self._router.caller_left(tag.queue_id, tag.entry_id)
            return False
        except TelephonyError as exc:
            self._queue.requeue(tag.queue_id, tag.entry_id, str(tag))  # connecting -> offered
            if exc.retryable:
                raise
            log.warning("offer %s@%s: cannot move the caller to the agent: %s", tag.ref, tag, exc)
            self._router.missed(tag, f"the call could not be put through ({exc.reason})")
            return False
        return True

    def requeue(self, tag: OfferTag) -> bool:
        """The offer ``tag`` is over: if its agent was being rung (and no newer offer
        rings someone else), move the caller back into the queue: back_in_queue ->
        joined (``REQUEUE``), refused once the caller is connected or rung elsewhere."""
        change = self._queue.requeue(tag.queue_id, tag.entry_id, str(tag))
        entry = change.entry
        if not change.ok or entry is None:
            return False
        newer = OfferTag.of_entry(entry)
        if newer is not None and newer != tag:
            endpoint = self.endpoint(newer.agent_id)
            if endpoint is not None and endpoint.rings_on_offer:
                return False  # that agent's ring moves the caller straight to its <Dial>
        try:
            self._telephony.redirect_call(entry.call_sid, self._urls.requeue(tag.queue_id))
        except (CallNotInProgress, CallNotFound):
            self._router.caller_left(tag.queue_id, tag.entry_id)
            return False
        return True

    # Webhooks

    def dial_plan(self, tag: OfferTag, endpoint: str, ring: int) -> DialPlan | None:
        """What the connect webhook dials; None when the offer is over."""
        entry = self._queue.get(tag.queue_id, tag.entry_id)
        if entry is None or not tag.matches(entry):
            return None
        try:
            return DialPlan(entry, parse_endpoint(endpoint), ring)
        except ValidationError:
            return None

    def answered(self, tag: OfferTag) -> Entry | None:
        """The agent picked up: the agent takes the caller (busy); None when the offer
        is over (the agent hears so and the leg ends)."""
        entry = self._queue.get(tag.queue_id, tag.entry_id)
        if entry is not None and entry.state is EntryState.ACCEPTED \
                and entry.accepted_by == tag.agent_id:
            return entry  # the whisper fetched again
        if not tag.matches(entry):
            return None
        try:
            if not self._queue.accept(tag.queue_id, tag.entry_id, tag.agent_id, str(tag)):
                return None
        except Conflict:
            return None
        self._deadlines.cancel(DeadlineKind.OFFER_TIMEOUT, tag.ref)
        self._deadlines.cancel(DeadlineKind.QUEUE_MAX_WAIT, tag.ref)
        taken = self._queue.get(tag.queue_id, tag.entry_id)
        if taken is not None:
            try:
                self._on_answered(taken)
            except Exception:  # the caller is connected all the same
                log.exception("the taken call %s could not be recorded", tag.ref)
        return taken

    def dial_ended(self, tag: OfferTag, dial_status: str, duration: float | None,
                   caller_gone: bool) -> DialEnd:
        """The ``<Dial action>``: finish a call that was answered, or give the offer back."""
        entry = self._queue.get(tag.queue_id, tag.entry_id)
        if self.finish(tag, duration, entry):
            return DialEnd.HANG_UP
        if caller_gone or entry is None:
            # The status callback abandons a caller who hung up; an entry already gone
            # was finished by the agent leg's status (or removed): nothing to go back to.
            return DialEnd.HANG_UP
        if tag.matches(entry):
            self._router.missed(tag, NOT_ANSWERED.get(dial_status, NOT_ANSWERED["no-answer"]))
        return DialEnd.REQUEUE

    def finish(self, tag: OfferTag, duration: float | None,
               entry: Entry | None = None) -> bool:
        """The agent's call with the caller is over: complete with the handle time
        (talk time; from the acceptance when Twilio did not say), then wrap-up."""
        entry = entry or self._queue.get(tag.queue_id, tag.entry_id)
        if entry is None or entry.state is not EntryState.ACCEPTED \
                or entry.accepted_by != tag.agent_id:
            return False
        handle = duration if duration is not None else \
            max(0.0, self._clock.now() - (entry.accepted_at or self._clock.now()))
        if self._queue.complete(tag.queue_id, tag.entry_id, tag.agent_id, handle) is None:
            return False
        self._router.after_call(tag.agent_id)
        self._on_finished(entry)
        return True

    def endpoint(self, agent_id: str) -> Endpoint | None:
        """The agent's endpoint from the directory; None when missing or unusable."""
        try:
            agent = self._agents.get(int(agent_id))
            return parse_endpoint(agent.endpoint, rules=self._agents.endpoint_rules())
        except (ValueError, NotFound, ValidationError):
            return None
