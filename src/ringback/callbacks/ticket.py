"""What a callback's ticket and its comments say.

One ticket per callback, subject "Callback", keyed ``callback:<ref>``: the
expiry job and the agent's call both file it through that key, so whichever
comes first creates it and every retry finds it again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ringback.callbacks.records import AttemptRecord, CallbackRecord
from ringback.store.callbacks import AttemptOutcome

SUBJECT = "Callback"

HOW_IT_ENDED = {
    AttemptOutcome.CONNECTED: "connected",
    AttemptOutcome.NO_ANSWER: "no answer",
    AttemptOutcome.BUSY: "busy",
    AttemptOutcome.FAILED: "failed",
}


def ticket_key(ref: str) -> str:
    return f"callback:{ref}"


def comment_key(attempt_key: str) -> str:
    return f"callback-attempt:{attempt_key}"


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def attempt_json(attempt: AttemptRecord) -> dict[str, Any]:
    return {
        "at": iso(attempt.called_at),
        "agent_id": attempt.agent_id,
        "agent": attempt.agent_name,
        "outcome": attempt.outcome.value if attempt.outcome else None,
        "reason": attempt.reason,
        "handle_seconds": attempt.handle_seconds,
    }


def ticket_data(record: CallbackRecord) -> dict[str, Any]:
    """The ticket's structured fields (a helpdesk shows them as custom fields)."""
    return {
        "callback_ref": record.ref,
        "caller_number": record.caller,
        "callback_number": record.callback_number,
        "number_dialled": record.dialled,
        "queue": record.queue_id,
        "language": record.language,
        "requested_at": iso(record.requested_at),
        **attempts_data(record),
    }


def attempts_data(record: CallbackRecord) -> dict[str, Any]:
    """The fields of the ticket's data that change while the callback is worked:
    written again when an attempt ends, so its outcome is in the data too."""
    return {"attempts": [attempt_json(a) for a in record.attempts]}


def _origin(record: CallbackRecord) -> str:
    caller = record.caller or "a caller who withheld the number"
    dialled = f" on {record.dialled}" if record.dialled else ""
    return (f"{caller} called{dialled} (queue {record.queue_id}) and asked at "
            f"{iso(record.requested_at)} to be called back on {record.callback_number}.")


def expired_description(record: CallbackRecord, expiry_seconds: float, now: float) -> str:
    return (f"{_origin(record)} Nobody called back within {_minutes(expiry_seconds)}; "
            f"the request expired at {iso(now)} and left the queue.")


def called_description(record: CallbackRecord, agent_name: str, at: float) -> str:
    return f"{_origin(record)} {agent_name} called back at {iso(at)}."


def attempt_comment(attempt: AttemptRecord, outcome: AttemptOutcome, reason: str | None) -> str:
    """The internal note on a missed callback: when, by whom, how it ended."""
    text = (f"Callback attempted at {iso(attempt.called_at)} by {attempt.agent_name}: "
            f"{HOW_IT_ENDED[outcome]}")
    if reason:
        text += f" ({reason})"
    return text + ". No further attempt will be made."
