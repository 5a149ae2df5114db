"""Placing the callback call, agent first, once per acceptance.

The job behind an agent's Call: it files (or finds) the callback's ticket,
checks the customer's number against the toll-fraud guard, and asks
telephony to ring the agent, whose answer fetches the TwiML that dials the
customer with the business number as caller id.

Twilio cannot de-duplicate call creation, so a creation is never repeated
once it may have reached Twilio.  The attempt's SQL row is the guard:
``placing_at`` is written before the call is created and ``call_sid`` after.
When the answer is lost (a 5xx, a dropped connection, a worker that died in
between), the call is identified by its status callbacks, whose URL names
the attempt (``initiated`` comes first): the job waits for one for a bounded
time, as a deadline rather than in the worker, and ends the attempt as
failed, with a reason that says so, when none came.  Nothing is rung twice
and the agent is freed.

A 20429 (too many requests) means nothing was created: the attempt is
rescheduled with backoff, as a deadline, so one worker never sits through a
storm while other callbacks wait; it fails after ``RATE_LIMIT_TRIES`` refusals.
"""

from __future__ import annotations

import logging

from ringback.callbacks.dial_results import DialResults
from ringback.callbacks.outcome import Outcomes, same_acceptance
from ringback.callbacks.parts import CallbackParts
from ringback.callbacks.records import AttemptRecord, CallbackRecord, attempt_key
from ringback.callbacks.service import parse_entry_ref
from ringback.callbacks.ticket import SUBJECT, called_description, ticket_data, ticket_key
from ringback.errors import NotFound, ValidationError
from ringback.ivr.callback_number import (
    CallbackNumberRejected,
    RejectReason,
    check_outbound_allowed,
)
from ringback.queue.models import Entry, EntryState
from ringback.routing.endpoints import parse_endpoint
from ringback.scheduler.deadlines import DeadlineKind
from ringback.store.callbacks import AttemptOutcome
from ringback.store.models import Agent
from ringback.telephony import CallOutcomeUnknown, RateLimited, TelephonyError

log = logging.getLogger(__name__)

AGENT_RING_SECONDS = 30
# How long a call whose creation got no answer has to report itself (``initiated``).
CALL_REPORT_SECONDS = 15.0
# 20429 on creation: tried again after 1, 2, 4, 8, 16 s; the sixth refusal ends it.
RATE_LIMIT_TRIES = 6
RATE_LIMIT_BACKOFF_SECONDS = 1.0
RATE_LIMIT_MAX_BACKOFF_SECONDS = 30.0

NOT_CONFIRMED = (
    "Twilio answered with an error and no call started within {seconds} seconds; "
    "nobody is calling this customer now"
)
KEPT_REFUSING = (
    "Twilio refused to place the call {tries} times (too many requests); "
    "nobody is calling this customer now"
)

REJECTED = {
    RejectReason.UNPARSEABLE: "the callback number is not a phone number",
    RejectReason.INVALID: "the callback number is not a valid phone number",
    RejectReason.PREMIUM_OR_SHARED_COST: (
        "the callback number is premium-rate or shared-cost (toll-fraud guard)"
    ),
    RejectReason.PERSONAL_OR_UAN: (
        "the callback number is a personal or universal access number (toll-fraud guard)"
    ),
    RejectReason.SATELLITE_OR_GLOBAL: (
        "the callback number is a satellite or international service number "
        "(toll-fraud guard)"
    ),
    RejectReason.OWN_NUMBER: "the callback number is one of the business's own numbers",
    RejectReason.COUNTRY_NOT_ALLOWED: (
        "the business number does not allow callbacks to that country"
    ),
}


class Dialer:
    def __init__(self, parts: CallbackParts, results: DialResults) -> None:
        self._p = parts
        self._results = results
        self._outcomes = Outcomes(parts)

    def place(self, ref: str, agent_id: int, accepted_at: float) -> AttemptRecord | None:
        """Place the call of the acceptance ``(ref, agent_id, accepted_at)``, or carry on
        with it: check for the call's report, try again after a rate limit.

        Does nothing when that acceptance is over (the entry completed, was
        removed or expired) or its attempt already has an outcome.  Failures
        end the attempt as failed, with the reason; a rate limit or a lost
        answer schedules the attempt's ``CALLBACK_DIAL`` deadline instead.
        """
        p = self._p
        key = attempt_key(ref, accepted_at)
        attempt = p.records.attempt(key)
        if attempt is not None:
            attempt = self.adopt_reported_call(attempt)
            if attempt.outcome is not None:
                return attempt
        queue_id, entry_id = parse_entry_ref(ref)
        entry = p.queue.get(queue_id, entry_id)
        if (entry is None or entry.state != EntryState.ACCEPTED
                or entry.accepted_by != str(agent_id)
                or not same_acceptance(entry.accepted_at, accepted_at)):
            log.info("callback %s: acceptance by agent %s is over; no call", ref, agent_id)
            return attempt
        agent = self._agent(agent_id)
        name = agent.name if agent is not None else f"agent {agent_id}"
        endpoint = (agent.endpoint or "") if agent is not None else ""
        p.records.ensure(entry)
        attempt = p.records.start_attempt(ref, key, agent_id=agent_id, agent_name=name,
                                          endpoint=endpoint, called_at=accepted_at)
        record = p.records.get(ref)
        assert record is not None
        self._file_ticket(record, name, accepted_at)

        problem = self._problem(entry, agent)
        if problem is not None:
            return self._outcomes.finish(key, AttemptOutcome.FAILED, problem)
        if attempt.call_sid:
            return attempt
        if attempt.placing_at is not None:
            return self._await_report(attempt)
        return self._create(attempt, entry)

    def adopt_reported_call(self, attempt: AttemptRecord) -> AttemptRecord:
        """The attempt with the call its status callbacks reported, when it had none."""
        if attempt.call_sid is not None:
            return attempt
        sid = self._results.reported_call(attempt.key)
        if sid is None:
            return attempt
        self._p.records.set_call_sid(attempt.key, sid)
        log.info("callback attempt %s: Twilio reported its call %s", attempt.key, sid)
        return self._p.records.attempt(attempt.key) or attempt

    def _create(self, attempt: AttemptRecord, entry: Entry) -> AttemptRecord | None:
        p, key = self._p, attempt.key
        p.records.mark_placing(key)
        try:
            placed = p.telephony.place_call(
                to=attempt.endpoint, from_=entry.dialled, url=p.urls.connect(key),
                status_callback=p.urls.agent_status(key),
                idempotency_key=f"callback:{key}", timeout=AGENT_RING_SECONDS,
            )
        except CallOutcomeUnknown as exc:
            log.warning("callback attempt %s: %s; waiting for the call to report itself",
                        key, exc)
            started = p.records.attempt(key)
            assert started is not None
            return self._await_report(started)
        except RateLimited as exc:
            p.records.clear_placing(key)  # refused for now: Twilio created nothing
            return self._later(attempt, exc)
        except TelephonyError as exc:
            log.warning("callback attempt %s: the call failed: %s", key, exc)
            return self._outcomes.finish(key, AttemptOutcome.FAILED, str(exc))
        p.records.set_call_sid(key, placed.sid)
        return p.records.attempt(key)

    def _await_report(self, attempt: AttemptRecord) -> AttemptRecord | None:
        """The creation may have reached Twilio: adopt the call it reported, wait for
        its report until ``CALL_REPORT_SECONDS`` after the creation, then give up."""
        attempt = self.adopt_reported_call(attempt)
        if attempt.call_sid is not None:
            return attempt
        assert attempt.placing_at is not None
        until = attempt.placing_at + CALL_REPORT_SECONDS
        if self._p.clock.now() < until:
            self._p.deadlines.schedule(DeadlineKind.CALLBACK_DIAL, attempt.key, until)
            return attempt
        log.warning("callback attempt %s: no call reported itself; the attempt fails",
                    attempt.key)
        return self._outcomes.finish(
            attempt.key, AttemptOutcome.FAILED,
            NOT_CONFIRMED.format(seconds=round(CALL_REPORT_SECONDS)))

    def _later(self, attempt: AttemptRecord, exc: RateLimited) -> AttemptRecord | None:
        """Twilio refused for now (20429): the attempt runs again after a backoff."""
        tries = self._results.count(attempt.key, "limited")
        if tries >= RATE_LIMIT_TRIES:
            log.warning("callback attempt %s: %s, %d times; the attempt fails",
                        attempt.key, exc, tries)
            return self._outcomes.finish(attempt.key, AttemptOutcome.FAILED,
                                         KEPT_REFUSING.format(tries=tries))
        delay = min(RATE_LIMIT_BACKOFF_SECONDS * 2 ** (tries - 1),
                    RATE_LIMIT_MAX_BACKOFF_SECONDS)
        log.info("callback attempt %s: %s; trying again in %.0f s", attempt.key, exc, delay)
        self._p.deadlines.schedule(DeadlineKind.CALLBACK_DIAL, attempt.key,
                                   self._p.clock.now() + delay)
        return attempt

    def _agent(self, agent_id: int) -> Agent | None:
        try:
            return self._p.agents.get(agent_id)
        except NotFound:
            return None

    def _file_ticket(self, record: CallbackRecord, agent_name: str, at: float) -> None:
        ticket = self._p.tickets.create_ticket(
            idempotency_key=ticket_key(record.ref), subject=SUBJECT,
            requester=record.callback_number,
            description=called_description(record, agent_name, at), data=ticket_data(record),
        )
        self._p.records.set_ticket(record.ref, ticket.id)

    def _problem(self, entry: Entry, agent: Agent | None) -> str | None:
        """Why this call must not be placed, or None."""
        if agent is None:
            return "the agent no longer exists"
        if not agent.endpoint:
            return "the agent has no phone endpoint to ring"
        try:
            parse_endpoint(agent.endpoint, rules=self._p.agents.endpoint_rules())
        except ValidationError as exc:
            return "the agent's endpoint is refused: " + "; ".join(exc.errors.values())
        if not entry.dialled:
            return "the callback has no business number to call from"
        try:
            check_outbound_allowed(entry.callback_number,
                                   self._p.allowed_countries(entry.dialled),
                                   {entry.dialled, *self._p.own_numbers()})
        except CallbackNumberRejected as exc:
            return REJECTED[exc.reason]
        return None
