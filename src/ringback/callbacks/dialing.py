"""Placing the callback call, agent first, once per acceptance.

The job behind an agent's Call: it files (or finds) the callback's ticket,
checks the customer's number against the toll-fraud guard, and asks
telephony to ring the agent, whose answer fetches the TwiML that dials the
customer with the business number as caller id.

Twilio cannot de-duplicate call creation, so the attempt's SQL row is the
guard: ``placing_at`` is written before the call is created and ``call_sid``
after.  A run that finds ``placing_at`` without a sid (its predecessor died
in between) first asks Twilio for calls created since, and places the call
only when there is none.
"""

from __future__ import annotations

import logging

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
from ringback.store.callbacks import AttemptOutcome
from ringback.store.models import Agent
from ringback.telephony import TelephonyError

log = logging.getLogger(__name__)

AGENT_RING_SECONDS = 30
# Twilio's clocks and ours may differ a little when looking for a call we made.
CLOCK_SKEW_SECONDS = 5.0

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


class RetryLater(Exception):
    """A retryable telephony failure: rq runs the job again (it has tries left)."""


class Dialer:
    def __init__(self, parts: CallbackParts) -> None:
        self._p = parts
        self._outcomes = Outcomes(parts)

    def place(
        self, ref: str, agent_id: int, accepted_at: float, *, may_retry: bool = False
    ) -> AttemptRecord | None:
        """Place the call of the acceptance ``(ref, agent_id, accepted_at)``.

        Does nothing when that acceptance is over (the entry completed, was
        removed or expired) or its attempt already has an outcome.  Raises
        ``RetryLater`` for a retryable telephony error when ``may_retry``;
        otherwise any failure ends the attempt as failed, with the reason.
        """
        p = self._p
        key = attempt_key(ref, accepted_at)
        attempt = p.records.attempt(key)
        if attempt is not None and attempt.outcome is not None:
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
        try:
            if attempt.placing_at is not None and self._find_placed(attempt, entry):
                return p.records.attempt(key)
            p.records.mark_placing(key)
            placed = p.telephony.place_call(
                to=endpoint, from_=entry.dialled, url=p.urls.connect(key),
                status_callback=p.urls.agent_status(key),
                idempotency_key=f"callback:{key}", timeout=AGENT_RING_SECONDS,
            )
        except TelephonyError as exc:
            if exc.retryable and may_retry:
                raise RetryLater(str(exc)) from exc
            log.warning("callback %s: the call failed: %s", ref, exc)
            return self._outcomes.finish(key, AttemptOutcome.FAILED, str(exc))
        p.records.set_call_sid(key, placed.sid)
        return p.records.attempt(key)

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

    def _find_placed(self, attempt: AttemptRecord, entry: Entry) -> bool:
        """A previous run began creating the call: did it exist? Keeps its sid if so."""
        assert attempt.placing_at is not None
        calls = self._p.telephony.find_calls(
            to=attempt.endpoint, from_=entry.dialled,
            started_after=attempt.placing_at - CLOCK_SKEW_SECONDS,
        )
        if not calls:
            return False
        first = min(calls, key=lambda c: c.created_at or 0.0)
        self._p.records.set_call_sid(attempt.key, first.sid)
        log.info("callback %s: found call %s from an earlier run", attempt.key, first.sid)
        return True
