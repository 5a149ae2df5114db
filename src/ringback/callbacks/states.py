"""A callback's state, read from both places it lives.

While the callback waits or rings, its queue entry in Redis is the truth
(waiting = requested, offered, accepted = dialing); the SQL record knows
what the entry cannot: the outcome, the ticket, that it expired.  ``view``
joins the two into what the API and the console show.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringback.callbacks.records import AttemptRecord, CallbackRecord
from ringback.parsing import ascii_whole
from ringback.queue.models import Entry, EntryKind, EntryState
from ringback.store.callbacks import AttemptOutcome, CallbackState

_IN_CALL = (CallbackState.DIALING, CallbackState.CONNECTED, CallbackState.NO_ANSWER,
            CallbackState.BUSY, CallbackState.FAILED)


def live_state(record: CallbackRecord | None, entry: Entry | None) -> CallbackState:
    if entry is not None and entry.kind == EntryKind.CALLBACK:
        if entry.state == EntryState.WAITING:
            return CallbackState.REQUESTED
        if entry.state == EntryState.OFFERED:
            return CallbackState.OFFERED
        if record is not None and record.state in _IN_CALL:
            return record.state
        return CallbackState.DIALING
    return record.state if record is not None else CallbackState.REQUESTED


@dataclass(frozen=True)
class CallbackView:
    """A callback as an agent sees it; times are epoch seconds."""

    ref: str
    queue_id: str
    state: CallbackState
    outcome: AttemptOutcome | None
    caller: str
    callback_number: str
    dialled: str
    language: str
    requested_at: float
    position: int | None
    wait_seconds: float
    agent_id: int | None
    called_at: float | None
    handle_seconds: float | None
    ticket_id: str | None
    expired_at: float | None
    done_at: float | None
    attempts: tuple[AttemptRecord, ...]


def view(
    record: CallbackRecord | None, entry: Entry | None, position: int | None, now: float
) -> CallbackView:
    """Join the record and the live entry; at least one of them must be given."""
    state = live_state(record, entry)
    if record is not None:
        requested = record.requested_at
        base = record
        caller, number, dialled, language = (record.caller, record.callback_number,
                                             record.dialled, record.language)
        queue_id, ref = record.queue_id, record.ref
    else:
        assert entry is not None
        requested = entry.requested_at if entry.requested_at is not None else entry.enqueued_at
        base = None
        caller, number, dialled, language = (entry.caller, entry.callback_number,
                                             entry.dialled, entry.language)
        queue_id, ref = entry.queue_id, f"{entry.queue_id}:{entry.entry_id}"
    called = base.called_at if base else None
    if called is None and entry is not None and entry.state == EntryState.ACCEPTED:
        called = entry.accepted_at
    if called is not None:
        wait = called - requested  # the customer's wait ends with the agent's call
    elif base is not None and base.expired_at is not None:
        wait = base.expired_at - requested
    elif state.is_final:
        wait = (base.done_at if base and base.done_at else now) - requested
    else:
        wait = now - requested
    return CallbackView(
        ref=ref, queue_id=queue_id, state=state, outcome=base.outcome if base else None,
        caller=caller, callback_number=number, dialled=dialled, language=language,
        requested_at=requested,
        position=position if state in (CallbackState.REQUESTED, CallbackState.OFFERED) else None,
        wait_seconds=max(0.0, round(wait, 3)),
        agent_id=(base.agent_id if base and base.agent_id is not None else
                  (ascii_whole(entry.accepted_by) if entry else None)),
        called_at=called, handle_seconds=base.handle_seconds if base else None,
        ticket_id=base.ticket_id if base else None,
        expired_at=base.expired_at if base else None, done_at=base.done_at if base else None,
        attempts=base.attempts if base else (),
    )
