"""The callback lifecycle's entry point: a waiting caller asks to be called back.

``CallbackService.request`` turns the caller's queue entry into a callback
that keeps its place and schedules its expiry.  It is idempotent: a webhook
delivered twice converts once and schedules the same deadline again (the due
time derives from when the callback was first requested, so it never moves).
"""

from __future__ import annotations

from ringback.queue.models import Entry
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import DeadlineKind, Deadlines


def entry_ref(queue_id: str, entry_id: str) -> str:
    """The deadline ref naming one queue entry."""
    return f"{queue_id}:{entry_id}"


def parse_entry_ref(ref: str) -> tuple[str, str]:
    queue_id, _, entry_id = ref.rpartition(":")
    return queue_id, entry_id


class CallbackService:
    def __init__(self, queue: QueueService, deadlines: Deadlines, *,
                 expiry_seconds: int) -> None:
        self._queue = queue
        self._deadlines = deadlines
        self._expiry = expiry_seconds

    def request(self, queue_id: str, entry_id: str, callback_number: str) -> Entry:
        """Convert the entry to a callback at the same place; expiry is scheduled."""
        entry = self._queue.convert_to_callback(queue_id, entry_id, callback_number)
        requested = entry.requested_at if entry.requested_at is not None else entry.enqueued_at
        self._deadlines.schedule(DeadlineKind.CALLBACK_EXPIRY,
                                 entry_ref(queue_id, entry.entry_id), requested + self._expiry)
        return entry
