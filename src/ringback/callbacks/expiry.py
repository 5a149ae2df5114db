"""Callback expiry: nobody called back in time, so the request becomes a ticket.

Exactly once per callback, whatever retries or second schedulers do: the
queue's atomic ``expire`` takes the entry out for one caller only, the
ticket is filed under the callback's idempotency key, and the SQL record is
marked *expiring* before the entry leaves Redis, so a run that died between
the two is finished by the next one.
"""

from __future__ import annotations

import logging

from ringback.callbacks.parts import CallbackParts
from ringback.callbacks.records import CallbackRecord
from ringback.callbacks.service import parse_entry_ref
from ringback.callbacks.ticket import SUBJECT, expired_description, ticket_data, ticket_key
from ringback.queue.models import EntryKind, EntryState
from ringback.scheduler.deadlines import DeadlineKind
from ringback.store.callbacks import CallbackState

log = logging.getLogger(__name__)

EXPIRED_REASON = "callback_expired"


class Expiry:
    def __init__(self, parts: CallbackParts) -> None:
        self._p = parts

    def expire(self, ref: str, due_at: float) -> str | None:
        """Expire the callback ``ref`` if it still waits; returns the ticket id, if filed."""
        p = self._p
        queue_id, entry_id = parse_entry_ref(ref)
        entry = p.queue.get(queue_id, entry_id)
        if entry is not None:
            if entry.kind != EntryKind.CALLBACK or entry.state == EntryState.ACCEPTED:
                return None  # an agent has it, or it is a live call again: not ours to end
            moved = p.deadlines.due_at(DeadlineKind.CALLBACK_EXPIRY, ref)
            if moved is not None and moved > due_at:
                return None  # re-scheduled later since this job was queued
            p.records.ensure(entry)
            p.records.mark_expiring(ref)
            if p.queue.expire(queue_id, entry_id, reason=EXPIRED_REASON,
                              kind=EntryKind.CALLBACK) is None:
                if p.queue.get(queue_id, entry_id) is not None:
                    p.records.clear_expiring(ref)  # an agent took it just now
                    return None
                # Gone meanwhile: another run of this job expired it; file the ticket too.
        record = p.records.get(ref)
        if record is None or not _expiring(record):
            return record.ticket_id if record and record.state is CallbackState.EXPIRED else None
        ticket = p.tickets.create_ticket(
            idempotency_key=ticket_key(ref), subject=SUBJECT, requester=record.callback_number,
            description=expired_description(record, p.expiry_seconds, p.clock.now()),
            data=ticket_data(record),
        )
        p.records.mark_expired(ref, ticket.id)
        log.info("callback %s expired; ticket %s", ref, ticket.id)
        return ticket.id


def _expiring(record: CallbackRecord) -> bool:
    """Marked for expiry, never dialled, and not expired yet."""
    return (record.expiring_at is not None and not record.attempts
            and record.state is CallbackState.REQUESTED)
