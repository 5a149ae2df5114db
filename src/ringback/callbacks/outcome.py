"""How an attempt ends, and what follows: comment, queue, agent, done.

``Outcomes.finish`` is the one path every ending takes, whether Twilio's
webhooks reported it or the dialing job failed before a call existed.  The
first outcome recorded for an attempt wins; every step after it is
idempotent, so a retry after a crash completes whatever was left undone.

- connected: the entry completes with the handle time, the agent goes to
  wrap-up (its end is a deadline);
- no answer, busy, failed: one internal comment on the ticket, the entry
  leaves the queue and the agent is free at once; no further attempt.

Either way the ticket's ``data.attempts`` is written again with the outcome.
"""

from __future__ import annotations

import logging

from ringback.callbacks.parts import CallbackParts
from ringback.callbacks.records import AttemptRecord, ref_of_attempt
from ringback.callbacks.service import parse_entry_ref
from ringback.callbacks.ticket import attempt_comment, attempts_data, comment_key
from ringback.queue.models import AgentState, EntryState
from ringback.scheduler.deadlines import DeadlineKind
from ringback.store.callbacks import AttemptOutcome

log = logging.getLogger(__name__)

# Twilio's DialCallStatus of the customer's leg -> the attempt's outcome and reason.
DIAL_STATUS: dict[str, tuple[AttemptOutcome, str | None]] = {
    "completed": (AttemptOutcome.CONNECTED, None),
    "answered": (AttemptOutcome.CONNECTED, None),
    "no-answer": (AttemptOutcome.NO_ANSWER, "the customer did not answer"),
    "busy": (AttemptOutcome.BUSY, "the customer's line was busy"),
    "failed": (AttemptOutcome.FAILED, "the customer's number could not be reached"),
    "canceled": (AttemptOutcome.FAILED, "the agent hung up before the customer answered"),
}

# Final CallStatus of the agent's own leg when the agent never answered.
AGENT_LEG_STATUS = {
    "no-answer": "the agent's phone did not answer",
    "busy": "the agent's phone was busy",
    "failed": "the agent's phone could not be reached",
    "canceled": "the call to the agent was canceled",
}
AGENT_HUNG_UP = "the agent's call ended before the customer was dialled"


def same_acceptance(entry_accepted_at: float | None, accepted_at: float) -> bool:
    # The queue stores times with millisecond precision.
    return entry_accepted_at is not None and abs(entry_accepted_at - accepted_at) < 0.0015


class Outcomes:
    def __init__(self, parts: CallbackParts) -> None:
        self._p = parts

    def finish(
        self, key: str, outcome: AttemptOutcome, reason: str | None = None,
        handle_seconds: float | None = None,
    ) -> AttemptRecord | None:
        """Record the outcome (unless one was recorded) and carry out what follows it."""
        records = self._p.records
        if records.attempt(key) is None:
            log.warning("outcome %s for unknown callback attempt %s", outcome.value, key)
            return None
        records.record_outcome(key, outcome, reason, handle_seconds)
        attempt = records.attempt(key)
        assert attempt is not None and attempt.outcome is not None
        ref = ref_of_attempt(key)
        record = records.get(ref)
        if record and record.ticket_id:
            self._p.tickets.update_data(record.ticket_id, attempts_data(record))
        if attempt.outcome is not AttemptOutcome.CONNECTED and record and record.ticket_id:
            self._p.tickets.add_comment(
                record.ticket_id, body=attempt_comment(attempt, attempt.outcome, attempt.reason),
                internal=True, idempotency_key=comment_key(key), author=attempt.agent_name,
            )
        self._leave_queue(ref, attempt)
        records.mark_done(ref)
        return attempt

    def answered(self, key: str) -> bool:
        """The customer picked up: live state connected (the outcome comes at the end)."""
        return self._p.records.mark_answered(key)

    def _leave_queue(self, ref: str, attempt: AttemptRecord) -> None:
        queue = self._p.queue
        queue_id, entry_id = parse_entry_ref(ref)
        agent = str(attempt.agent_id)
        entry = queue.get(queue_id, entry_id)
        held = (
            entry is not None and entry.state == EntryState.ACCEPTED
            and entry.accepted_by == agent and same_acceptance(entry.accepted_at, attempt.called_at)
        )
        if attempt.outcome is AttemptOutcome.CONNECTED:
            if held:
                queue.complete(queue_id, entry_id, agent, attempt.handle_seconds or 0.0)
            presence = queue.agent(agent)
            if presence.state == AgentState.WRAP_UP and presence.wrap_up_until is not None:
                self._p.deadlines.schedule(DeadlineKind.WRAP_UP_END, agent,
                                           presence.wrap_up_until)
        elif held:
            assert attempt.outcome is not None
            queue.remove(queue_id, entry_id, reason=f"callback_{attempt.outcome.value}")
