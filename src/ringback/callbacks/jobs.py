"""The rq jobs of the callback lifecycle and the queue's deadlines.

Thin functions: each takes its collaborators from the worker's services
(``job_services()``) and calls one domain operation.  All are idempotent
and may run more than once; the deadline handlers (``handler(ref, due_at)``,
listed in ``scheduler.sweeper.DEFAULT_HANDLERS``) also re-check that their
deadline still applies.
"""

from __future__ import annotations

import logging

from rq import get_current_job

from ringback.callbacks.dialing import Dialer
from ringback.callbacks.expiry import Expiry
from ringback.callbacks.outcome import Outcomes
from ringback.callbacks.parts import CallbackParts
from ringback.callbacks.records import accepted_at_of, attempt_key, ref_of_attempt
from ringback.callbacks.service import parse_entry_ref
from ringback.helpdesk.events import (
    ANSWER,
    BUSY,
    CONGESTION,
    EXPIRED,
    FORWARDED,
    HANGUP,
    LIVE,
    NEW_CALL,
    NO_ANSWER,
    NORMAL_CLEARING,
    callback_fields,
)
from ringback.store.callbacks import AttemptOutcome
from ringback.worker import job_services

log = logging.getLogger(__name__)


def _parts() -> CallbackParts:
    return job_services().callback_parts


def _has_retries_left() -> bool:
    job = get_current_job()
    return job is not None and job.should_retry


# Callback lifecycle


def record_request(ref: str) -> bool:
    """The SQL record of a callback just requested (the webhook only wrote Redis)."""
    parts = _parts()
    entry = parts.queue.get(*parse_entry_ref(ref))
    recorded = False
    if entry is not None and entry.callback_number != "":
        parts.records.ensure(entry)
        recorded = True
        # The CTI webhook, if configured: the live call ends handed over, the callback
        # comes in as a call of its own.
        events = job_services().call_events
        if entry.call_sid:
            events.emit(HANGUP, entry, cause=FORWARDED, leg=LIVE)
        events.emit(NEW_CALL, entry)
    job_services().unrecorded_callbacks.remove(ref)  # the list reads the row now
    return recorded


def place_callback(ref: str, agent_id: int, accepted_at: float) -> str | None:
    """Ticket, toll-fraud check and the outbound call of one acceptance; the call's sid.

    Twilio's refusals and lost answers are rescheduled by the dialer (the
    ``CALLBACK_DIAL`` deadline), not retried here.  rq retries an unexpected
    error; on its last try that error still ends a started attempt as failed, so
    the agent is not left busy with a call that never comes.
    """
    parts = _parts()
    try:
        attempt = Dialer(parts, job_services().dial_results).place(
            ref, agent_id, accepted_at)
    except Exception as exc:
        if not _has_retries_left():
            _give_up(parts, attempt_key(ref, accepted_at), exc)
            _agent_free(agent_id)
        raise
    if attempt is not None and attempt.outcome is not None:
        _agent_free(agent_id)  # ended before a call existed
    return attempt.call_sid if attempt else None


def continue_dialing(key: str, due_at: float) -> str | None:
    """Deadline handler of ``CALLBACK_DIAL``: try the creation again after a rate
    limit, or look for the call's report after a lost answer (failing the attempt
    when none came).  An attempt that ended meanwhile only keeps its call's sid."""
    parts = _parts()
    attempt = parts.records.attempt(key)
    if attempt is None:
        return None
    if attempt.outcome is not None:
        return Dialer(parts, job_services().dial_results).adopt_reported_call(
            attempt).call_sid
    return place_callback(ref_of_attempt(key), attempt.agent_id, accepted_at_of(key))


def adopt_call(attempt_key: str, call_sid: str) -> bool:
    """Twilio reported a call of the attempt (its ``initiated`` event): the attempt keeps
    it as its call.  A call the attempt cannot use, because the attempt ended without
    knowing it (given up after a lost answer) or has another call, is hung up, so an
    agent is never rung for a callback that is over, nor twice."""
    s = job_services()
    parts = _parts()
    attempt = parts.records.attempt(attempt_key)
    if attempt is None:
        return False
    known = attempt.call_sid
    attempt = Dialer(parts, s.dial_results).adopt_reported_call(attempt)
    if attempt.call_sid == call_sid and (attempt.outcome is None or known == call_sid):
        return True
    log.warning("callback attempt %s: hanging up call %s, which it cannot use",
                attempt_key, call_sid)
    s.telephony.hangup_call(call_sid)
    return False


def _agent_free(agent_id: int | None) -> None:
    """An attempt ended: route the agent's queues (or arm the end of its wrap-up)."""
    if agent_id is not None:
        job_services().routing.router.after_call(str(agent_id))


def _give_up(parts: CallbackParts, key: str, exc: Exception) -> None:
    try:
        if parts.records.attempt(key) is not None:
            Outcomes(parts).finish(key, AttemptOutcome.FAILED,
                                   f"the call could not be placed ({type(exc).__name__})")
    except Exception:
        log.exception("callback attempt %s: could not record the failure", key)


def finish_attempt(
    attempt_key: str, outcome: str, reason: str | None, handle_seconds: float | None,
    fallback: bool = False,
) -> str | None:
    """How the call ended, from a webhook.  A ``fallback`` outcome (the agent's leg
    ended) yields to the customer leg's result when that one was reported."""
    parts = _parts()
    if fallback and job_services().dial_results.seen(attempt_key):
        return None
    attempt = Outcomes(parts).finish(attempt_key, AttemptOutcome(outcome), reason,
                                     handle_seconds)
    if attempt is not None:
        _agent_free(attempt.agent_id)
        if attempt.outcome is not None:
            _callback_event(HANGUP, ref_of_attempt(attempt_key),
                            cause=HANGUP_CAUSES[attempt.outcome])
    return attempt.outcome.value if attempt and attempt.outcome else None


def mark_answered(attempt_key: str) -> bool:
    answered = Outcomes(_parts()).answered(attempt_key)
    attempt = _parts().records.attempt(attempt_key) if answered else None
    if attempt is not None:
        _callback_event(ANSWER, ref_of_attempt(attempt_key), agent_id=str(attempt.agent_id))
    return answered


# How a callback's call ended, as the CTI webhook's hang-up cause.
HANGUP_CAUSES = {
    AttemptOutcome.CONNECTED: NORMAL_CLEARING,
    AttemptOutcome.NO_ANSWER: NO_ANSWER,
    AttemptOutcome.BUSY: BUSY,
    AttemptOutcome.FAILED: CONGESTION,
}


def _callback_event(event: str, ref: str, *, cause: str = "",
                    agent_id: str | None = None) -> None:
    """One CTI event of a callback's call, from its record (the entry may be gone)."""
    events = job_services().call_events
    record = _parts().records.get(ref) if events.enabled else None
    if record is not None:
        events.emit_fields(callback_fields(event, record, cause=cause), agent_id)


# Deadline handlers


def expire_callback(ref: str, due_at: float) -> str | None:
    """Callback expiry: the entry leaves the queue and a "Callback" ticket is filed."""
    entry = _parts().queue.get(*parse_entry_ref(ref))
    ticket = Expiry(_parts()).expire(ref, due_at)
    if ticket is not None and entry is not None:  # the CTI webhook, if configured
        job_services().call_events.emit(HANGUP, entry, cause=EXPIRED)
    return ticket


def queue_max_wait(ref: str, due_at: float) -> bool:
    return job_services().queue_timers.max_wait_reached(ref, due_at)


def offer_timeout(ref: str, due_at: float) -> bool:
    """Through the router: the agent who let it time out is *missed*, the caller
    whose agent was rung goes back to holding, and the next agent is offered."""
    return job_services().routing.router.offer_timed_out(ref, due_at)


def wrap_up_end(agent_id: str, due_at: float) -> bool:
    return job_services().routing.router.wrap_up_ended(agent_id, due_at)
