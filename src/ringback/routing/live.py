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

The rung note (``QueueKeys.rung``) names the offer whose agent was rung,
so a job run twice never rings twice, and a late "move the caller back" job
never pulls the caller out of a newer agent's ``<Dial>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ringback.agents import AgentDirectory
from ringback.clock import Clock
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.queue.models import Entry, EntryKind, EntryState
from ringback.queue.service import QueueService
from ringback.redis_connection import text
from ringback.redis_keys import queue_keys
from ringback.routing.endpoints import Endpoint, parse_endpoint
from ringback.routing.router import Router
from ringback.routing.urls import AgentUrls, OfferTag, ring_seconds
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.telephony import CallNotFound, CallNotInProgress, Telephony, TelephonyError

log = logging.getLogger(__name__)

RUNG_TTL_SECONDS = 86_400

DELETE_IF_SAME = """\
-- KEYS[1] the rung note of an entry
-- ARGV[1] the offer expected in it
-- Deletes the note only while it still names that offer; returns 1 if deleted.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# DialCallStatus of an agent's leg that never connected -> why the offer was missed.
NOT_ANSWERED = {
    "no-answer": "the agent did not answer",
    "busy": "the agent's line was busy",
    "failed": "the agent's endpoint could not be reached",
    "canceled": "the call to the agent was canceled",
}
NO_ENDPOINT = "the agent has no endpoint to ring"


class LiveCallState(str, Enum):
    """Where a live caller is on its way to an agent (docs/routing.md has the table).

    Read from the two places that hold it: the queue entry (waiting, offered,
    accepted, gone) and the rung note (an agent's phone was rung for an offer).
    """

    JOINED = "joined"  # waiting in <Enqueue>, never put through to an agent
    OFFERED = "offered"  # offered to an agent, not rung yet (a softphone waits for accept)
    CONNECTING = "connecting"  # the caller is in the <Dial> of this offer's agent
    CONNECTED = "connected"  # the agent answered: accepted, talking
    # Waiting again, the rung note still naming the ended offer: its agent missed it and
    # the caller holds again (Dial action) or is being moved back (job requeue_caller,
    # which deletes the note: then joined).
    BACK_IN_QUEUE = "back_in_queue"
    DONE = "done"  # the entry left: completed, abandoned, expired or removed


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
                 redis: Any, clock: Clock) -> None:
        self._queue = queue
        self._router = router
        self._deadlines = deadlines
        self._telephony = telephony
        self._agents = agents
        self._urls = urls
        self._redis = redis
        self._clock = clock
        self._delete_if_same = redis.register_script(DELETE_IF_SAME)

    def state(self, queue_id: str, entry_id: str) -> LiveCallState:
        """The live call's state, from its entry and rung note in one round trip."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hget(queue_keys(queue_id).entries, entry_id)
            pipe.get(queue_keys(queue_id).rung(entry_id))
            raw, rung = pipe.execute()
        if not raw:
            return LiveCallState.DONE
        entry = Entry.from_record(queue_id, entry_id, raw)
        if entry.state is EntryState.ACCEPTED:
            return LiveCallState.CONNECTED
        tag = OfferTag.of_entry(entry)
        if tag is not None:
            return LiveCallState.CONNECTING if text(rung) == str(tag) else LiveCallState.OFFERED
        return LiveCallState.BACK_IN_QUEUE if rung else LiveCallState.JOINED

    # Jobs

    def ring(self, tag: OfferTag, *, accepted: bool = False) -> bool:
        """Redirect the offered caller's call to the ``<Dial>`` of the agent's endpoint.

        A desk phone or SIP phone rings on the offer; a softphone once the agent
        accepted in the console. Raises ``TelephonyError`` when retryable.
        """
        entry = self._queue.get(tag.queue_id, tag.entry_id)
        if entry is None or entry.kind is not EntryKind.LIVE or not tag.matches(entry):
            return False
        endpoint = self.endpoint(tag.agent_id)
        if endpoint is None:
            self._router.missed(tag, NO_ENDPOINT)
            return False
        if not (endpoint.rings_on_offer or accepted):
            return False
        key = queue_keys(tag.queue_id).rung(tag.entry_id)
        if text(self._redis.set(key, str(tag), ex=RUNG_TTL_SECONDS, get=True)) == str(tag):
            return False  # rung already
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
            self._delete_if_same(keys=[key], args=[str(tag)])
            if exc.retryable:
                raise
            log.warning("offer %s@%s: cannot move the caller to the agent: %s", tag.ref, tag, exc)
            self._router.missed(tag, f"the call could not be put through ({exc.reason})")
            return False
        return True

    def requeue(self, tag: OfferTag) -> bool:
        """The offer ``tag`` is over: if its agent was being rung (and no newer offer
        rings someone else), move the caller back into the queue."""
        entry = self._queue.get(tag.queue_id, tag.entry_id)
        if entry is None or entry.kind is not EntryKind.LIVE or \
                entry.state is EntryState.ACCEPTED:
            return False
        key = queue_keys(tag.queue_id).rung(tag.entry_id)
        if not self._delete_if_same(keys=[key], args=[str(tag)]):
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
            if not self._queue.accept(tag.queue_id, tag.entry_id, tag.agent_id):
                return None
        except Conflict:
            return None
        self._deadlines.cancel(DeadlineKind.OFFER_TIMEOUT, tag.ref)
        self._deadlines.cancel(DeadlineKind.QUEUE_MAX_WAIT, tag.ref)
        return self._queue.get(tag.queue_id, tag.entry_id)

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
        return True

    def endpoint(self, agent_id: str) -> Endpoint | None:
        """The agent's endpoint from the directory; None when missing or unusable."""
        try:
            agent = self._agents.get(int(agent_id))
            return parse_endpoint(agent.endpoint, rules=self._agents.endpoint_rules())
        except (ValueError, NotFound, ValidationError):
            return None
