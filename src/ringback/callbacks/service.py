"""The callback lifecycle's entry points: a caller asks, an agent calls or declines.

``CallbackService.request`` turns the caller's queue entry into a callback
that keeps its place and schedules its expiry, within the hourly limits per
caller, number and prefix (``ringback.callbacks.limits``).  It is idempotent:
a webhook delivered twice converts once, counts once and schedules the same
deadline again (the due time derives from when the callback was first
requested, so it never moves).

``call`` and ``decline`` are the agent's side.  They only touch Redis (the
queue decides which agent gets a callback, exactly one) and hand the slow
work (SQL records, the ticket, the outbound call) to rq jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.callbacks.limits import CallbackLimits
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.queue.models import Entry, EntryKind, EntryState
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import DeadlineKind, Deadlines

if TYPE_CHECKING:
    from ringback.callbacks.enqueue import CallbackJobs


def entry_ref(queue_id: str, entry_id: str) -> str:
    """The deadline ref naming one queue entry; also a callback's id in the API."""
    return f"{queue_id}:{entry_id}"


def parse_entry_ref(ref: str) -> tuple[str, str]:
    queue_id, _, entry_id = ref.rpartition(":")
    return queue_id, entry_id


class CallbackService:
    def __init__(self, queue: QueueService, deadlines: Deadlines, *,
                 expiry_seconds: int, jobs: CallbackJobs | None = None,
                 limits: CallbackLimits | None = None) -> None:
        self._queue = queue
        self._deadlines = deadlines
        self._expiry = expiry_seconds
        self._jobs = jobs
        self._limits = limits

    def request(self, queue_id: str, entry_id: str, callback_number: str) -> Entry:
        """Convert the entry to a callback at the same place; expiry is scheduled.

        Raises ``CallbackLimitReached`` (the entry stays a live call) when the
        caller, the number or its prefix had its hourly share of callbacks.
        """
        counted_for = self._count(queue_id, entry_id, callback_number)
        try:
            entry = self._queue.convert_to_callback(queue_id, entry_id, callback_number)
        except Exception:
            if counted_for is not None and self._limits is not None:
                self._limits.forget(entry_ref(queue_id, entry_id), counted_for, callback_number)
            raise
        requested = entry.requested_at if entry.requested_at is not None else entry.enqueued_at
        ref = entry_ref(queue_id, entry.entry_id)
        self._deadlines.schedule(DeadlineKind.CALLBACK_EXPIRY, ref, requested + self._expiry)
        if self._jobs is not None:
            self._jobs.record_request(ref)
        return entry

    def _count(self, queue_id: str, entry_id: str, callback_number: str) -> str | None:
        """Count a new request against the limits; the caller it was counted for,
        or None when nothing was counted (no limits, a repeat, or no such entry)."""
        if self._limits is None:
            return None
        current = self._queue.get(queue_id, entry_id)
        if current is None or current.kind is EntryKind.CALLBACK:
            return None  # converting says what is wrong, or that nothing is to do
        counted = self._limits.record(entry_ref(queue_id, entry_id), current.caller,
                                      callback_number)
        return current.caller if counted else None

    def get(self, ref: str) -> Entry:
        """The live callback ``ref`` ("<queue_id>:<entry_id>"); NotFound once it left."""
        queue_id, entry_id = parse_entry_ref(ref)
        entry = self._queue.get(queue_id, entry_id) if queue_id and entry_id else None
        if entry is None or entry.kind != EntryKind.CALLBACK:
            raise NotFound("callback", ref)
        return entry

    def call(self, ref: str, agent_id: int, endpoint: str | None) -> Entry:
        """The agent calls the customer back: the agent takes the callback (exactly one
        agent wins) and the call is placed by a job.  Calling again is a no-op.

        Raises NotFound when the callback is gone, Conflict when another agent has
        it or the agent cannot take a call now, ValidationError without an endpoint.
        """
        if self._jobs is None:
            raise RuntimeError("CallbackService needs CallbackJobs to place calls")
        if not endpoint:
            raise ValidationError({"agent": "has no phone endpoint to ring; set one first"})
        entry = self.get(ref)
        queue_id, entry_id = entry.queue_id, entry.entry_id
        if not self._queue.accept(queue_id, entry_id, str(agent_id)):
            raise Conflict(f"callback {ref} is already being called by another agent"
                           if entry.state == EntryState.ACCEPTED
                           else f"callback {ref} is offered to another agent")
        taken = self.get(ref)
        assert taken.accepted_at is not None
        self._deadlines.cancel(DeadlineKind.CALLBACK_EXPIRY, ref)
        self._jobs.place_callback(ref, agent_id, taken.accepted_at)
        return taken

    def decline(self, ref: str, agent_id: int) -> Entry:
        """The agent passes: the callback stays at its place, for other agents first."""
        entry = self.get(ref)
        if entry.state == EntryState.ACCEPTED:
            raise Conflict(f"callback {ref} is already being called")
        if not self._queue.decline(entry.queue_id, entry.entry_id, str(agent_id)):
            raise Conflict(f"callback {ref} is offered to another agent")
        return self.get(ref)
