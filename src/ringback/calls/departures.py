"""How a live caller leaves the queue without reaching an agent: overflow or hang-up.

Both are bookkeeping over the queue, the deadlines and the call index, and
both are safe to run twice (Twilio retries, and the status callback and the
``<Enqueue action>`` both report a hang-up): the call's outcome is written
once and an entry that is gone is left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from ringback.callbacks.service import entry_ref
from ringback.callbacks.timers import MAX_WAIT_REASON
from ringback.calls.index import CallIndex, QueueExit
from ringback.helpdesk.events import CANCEL, HANGUP, NO_ANSWER
from ringback.queue.models import Entry, EntryKind, EntryState
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import DeadlineKind, Deadlines


class Departures:
    def __init__(self, *, queue: QueueService, deadlines: Deadlines, calls: CallIndex,
                 route: Callable[[str], object],
                 call_event: Callable[..., object] | None = None) -> None:
        self._queue = queue
        self._deadlines = deadlines
        self._calls = calls
        # The router: an agent whose offered caller left is free for the next one.
        self._route = route
        # The CTI webhook: call_event(event, entry, cause=...).
        self._call_event = call_event or (lambda _event, _entry, **_kw: None)

    def overflow(self, call_sid: str, queue_id: str, entry: Entry | None,
                 reason: str = MAX_WAIT_REASON) -> None:
        """The live caller leaves for the overflow; the entry expires (callbacks stay)."""
        if entry is None and queue_id:
            record = self._calls.get(call_sid)
            if record.entry_id and record.queue_id == queue_id:
                entry = self._queue.get(queue_id, record.entry_id)
        if entry is not None and entry.kind is EntryKind.LIVE:
            # The kind is checked again in the script: ``entry`` was read before, and
            # the caller may have become a callback since. That callback stays, and
            # the call's outcome is the callback's.
            expired = self._queue.expire(queue_id, entry.entry_id, reason, kind=EntryKind.LIVE)
            if expired is None and _is_callback(self._queue.get(queue_id, entry.entry_id)):
                return
            self._deadlines.cancel(DeadlineKind.QUEUE_MAX_WAIT,
                                   entry_ref(queue_id, entry.entry_id))
            self._call_event(HANGUP, entry, cause=NO_ANSWER)
            if entry.state is EntryState.OFFERED:
                self._route(queue_id)  # its agent is free again
        self._calls.left(call_sid, QueueExit.OVERFLOW)

    def abandon(self, call_sid: str) -> None:
        """A caller who hung up while waiting: abandoned once, however often we hear it.

        Callbacks are not touched (their caller hung up on purpose), nor a call
        an agent has accepted (that call is being answered).
        """
        record = self._calls.get(call_sid)
        if record.outcome is not None or not (record.queue_id and record.entry_id):
            return
        queue_id, entry_id = record.queue_id, record.entry_id
        entry = self._queue.get(queue_id, entry_id)
        if entry is None or entry.kind is not EntryKind.LIVE or \
                entry.state is EntryState.ACCEPTED:
            return
        if self._queue.leave(queue_id, entry_id) is not None:
            self._deadlines.cancel(DeadlineKind.QUEUE_MAX_WAIT, entry_ref(queue_id, entry_id))
            self._calls.left(call_sid, QueueExit.ABANDONED)
            self._call_event(HANGUP, entry, cause=CANCEL)
            if entry.state is EntryState.OFFERED:
                # Hung up while offered or ringing an agent: the agent is free again.
                self._deadlines.cancel(DeadlineKind.OFFER_TIMEOUT, entry_ref(queue_id, entry_id))
                self._route(queue_id)


def _is_callback(entry: Entry | None) -> bool:
    return entry is not None and entry.kind is EntryKind.CALLBACK
