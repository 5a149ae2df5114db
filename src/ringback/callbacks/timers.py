"""The max wait of a live caller: the queue's deadline that is not routing's.

The handler re-reads the entry and does nothing when the deadline no longer
applies (the caller left, an agent took the call, the deadline moved), so a
retried or late job is harmless.  The offer timeout and the end of a wrap-up
are the router's (``ringback.routing.router``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ringback.callbacks.service import parse_entry_ref
from ringback.ivr.state import CallState
from ringback.ivr.urls import Route, UrlBuilder
from ringback.queue.models import Entry, EntryKind, EntryState
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
        self, queue: QueueService, deadlines: Deadlines, telephony: Telephony,
        overflow: Callable[[Entry], str],
    ) -> None:
        self._queue = queue
        self._deadlines = deadlines
        self._telephony = telephony
        self._overflow = overflow

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

    def _moved(self, kind: DeadlineKind, ref: str, due_at: float) -> bool:
        current = self._deadlines.due_at(kind, ref)
        return current is not None and current > due_at
