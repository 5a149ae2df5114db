"""The queue's other deadlines: max wait of a live caller, offer timeout, wrap-up end.

Each handler re-reads the state it acts on and does nothing when the
deadline no longer applies (the caller left, the offer was answered, the
deadline moved), so a retried or late job is harmless.  ``offer_next`` is
the one way to route that also arms the offer's timeout; the handlers use it
to keep routing going once an agent or an entry is free again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ringback.callbacks.service import entry_ref, parse_entry_ref
from ringback.clock import Clock
from ringback.ivr.state import CallState
from ringback.ivr.urls import Route, UrlBuilder
from ringback.queue.models import AgentState, Entry, EntryKind, EntryState, Offer
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.telephony import CallNotFound, CallNotInProgress, Telephony

log = logging.getLogger(__name__)

MAX_WAIT_REASON = "max_wait"


def overflow_url(base_url: str) -> Callable[[Entry], str]:
    """The webhook that plays a number's overflow (``Route.OVERFLOW``) for a live caller."""
    urls = UrlBuilder(base_url)

    def url(entry: Entry) -> str:
        return urls(Route.OVERFLOW, CallState(queue=entry.queue_id).to_params())

    return url


class QueueTimers:
    def __init__(
        self, queue: QueueService, deadlines: Deadlines, telephony: Telephony, clock: Clock,
        overflow: Callable[[Entry], str],
    ) -> None:
        self._queue = queue
        self._deadlines = deadlines
        self._telephony = telephony
        self._clock = clock
        self._overflow = overflow

    # Routing with its timeout

    def offer_next(self, queue_id: str) -> Offer | None:
        """Offer the head entry to the next agent and arm the offer's timeout."""
        offer = self._queue.offer_next(queue_id)
        if offer is not None:
            self._deadlines.schedule(DeadlineKind.OFFER_TIMEOUT,
                                     entry_ref(offer.queue_id, offer.entry_id), offer.deadline)
        return offer

    # Handlers

    def max_wait_reached(self, ref: str, due_at: float) -> bool:
        """A live caller waited too long: Twilio moves the call to the overflow webhook,
        which plays the number's overflow; the entry expires."""
        queue_id, entry_id = parse_entry_ref(ref)
        entry = self._queue.get(queue_id, entry_id)
        if entry is None or entry.kind != EntryKind.LIVE or entry.state == EntryState.ACCEPTED:
            return False
        if self._moved(DeadlineKind.QUEUE_MAX_WAIT, ref, due_at):
            return False
        if entry.state == EntryState.OFFERED and entry.offer_deadline is not None:
            # An agent may take the call any moment: look again once the offer is over.
            self._deadlines.schedule(DeadlineKind.QUEUE_MAX_WAIT, ref, entry.offer_deadline)
            return False
        if entry.call_sid:
            try:
                self._telephony.redirect_call(entry.call_sid, self._overflow(entry))
            except (CallNotInProgress, CallNotFound):
                log.info("max wait of %s: call %s already ended", ref, entry.call_sid)
        # Still a live call? Checked again inside the script: the caller may have asked
        # for a callback since the read above, and that callback stays.
        return self._queue.expire(queue_id, entry_id, reason=MAX_WAIT_REASON,
                                  kind=EntryKind.LIVE) is not None

    def offer_timed_out(self, ref: str, due_at: float) -> bool:
        """Nobody answered the offer in time: the entry goes back, the next agent is offered."""
        queue_id, entry_id = parse_entry_ref(ref)
        entry = self._queue.get(queue_id, entry_id)
        if entry is None or entry.state != EntryState.OFFERED or not entry.offered_to:
            return False
        if entry.offer_deadline is not None and entry.offer_deadline > self._clock.now():
            return False  # a newer offer, with its own deadline
        timed_out = self._queue.offer_timed_out(queue_id, entry_id, entry.offered_to)
        if timed_out:
            self.offer_next(queue_id)
        return timed_out

    def wrap_up_ended(self, agent_id: str, due_at: float) -> bool:
        """The agent's wrap-up is over: available again, and offered the next entry."""
        if not self._queue.end_wrap_up(agent_id, only_if_due=True):
            return False
        presence = self._queue.agent(agent_id)
        for queue_id in presence.queues:
            if self._queue.agent(agent_id).state != AgentState.AVAILABLE:
                break
            self.offer_next(queue_id)
        return True

    def _moved(self, kind: DeadlineKind, ref: str, due_at: float) -> bool:
        current = self._deadlines.due_at(kind, ref)
        return current is not None and current > due_at
