"""The callback's outbound call through the real Twilio adapter, against the local
stand-in for Twilio's REST API (TWILIO_API_BASE_URL)."""

from __future__ import annotations

import pytest

from ringback.callbacks.enqueue import CallbackJobs
from ringback.callbacks.records import attempt_key
from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import OutboundUrls
from ringback.queue.models import AgentState
from ringback.store.callbacks import AttemptOutcome, CallbackState
from tests.callbacks.conftest import AGENT_PHONE, BUSINESS, CALLER, QUEUE


def _call(desk):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    agent_id, token = desk.agent()
    assert desk.call(ref, token).status_code == 202
    return ref, agent_id


def test_the_stand_in_receives_the_exact_calls_json_form(twilio_desk, twilio_standin):
    ref, _ = _call(twilio_desk)
    twilio_desk.work()

    key = twilio_desk.attempt_key(ref)
    urls = OutboundUrls(twilio_desk.settings.public_base_url)
    (request,) = twilio_standin.requests_for("CreateCall")
    assert request.path == f"/2010-04-01/Accounts/{twilio_standin.account_sid}/Calls.json"
    assert request.form == {
        "To": [AGENT_PHONE],
        "From": [BUSINESS],
        "Url": [urls.connect(key)],
        "Method": ["POST"],
        "StatusCallback": [urls.agent_status(key)],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "StatusCallbackMethod": ["POST"],
        "Timeout": ["30"],
    }
    assert twilio_standin.violations == []
    (call,) = twilio_standin.calls
    assert twilio_desk.record(ref).attempts[0].call_sid == call.sid


@pytest.mark.parametrize(("code", "words"), [
    (21211, "not a valid phone number"),
    (21215, "geo permissions"),
])
def test_a_refused_number_fails_the_attempt_with_its_reason_and_is_not_retried(
    twilio_desk, twilio_standin, code, words
):
    twilio_standin.fail_next("CreateCall", status=400, code=code)
    ref, agent_id = _call(twilio_desk)

    twilio_desk.work()

    assert len(twilio_standin.requests_for("CreateCall")) == 1
    record = twilio_desk.record(ref)
    assert (record.state, record.outcome) == (CallbackState.DONE, AttemptOutcome.FAILED)
    reason = record.attempts[0].reason or ""
    assert f"Twilio error {code}" in reason and words in reason
    (comment,) = twilio_desk.tickets.get(record.ticket_id).comments
    assert comment.internal and f"Twilio error {code}" in comment.body
    assert "No further attempt" in comment.body
    assert twilio_desk.services.queue.size(QUEUE) == 0
    assert twilio_desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE


def test_rate_limiting_beyond_the_adapters_backoff_is_retried_by_the_job(
    twilio_desk, twilio_standin
):
    # The adapter tries 5 times (backoff 1, 2, 4, 8 s); the job's retry succeeds.
    twilio_standin.fail_next("CreateCall", status=429, code=20429, times=5)
    ref, _ = _call(twilio_desk)

    twilio_desk.work()

    assert len(twilio_standin.requests_for("CreateCall")) == 6
    assert len(twilio_standin.calls) == 1
    record = twilio_desk.record(ref)
    assert record.state is CallbackState.DIALING
    assert record.attempts[0].call_sid == twilio_standin.calls[0].sid


def test_a_500_after_twilio_created_the_call_does_not_ring_the_agent_twice(
    twilio_desk, twilio_standin
):
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)
    ref, _ = _call(twilio_desk)

    twilio_desk.work()

    assert len(twilio_standin.calls) == 1
    assert twilio_desk.record(ref).attempts[0].call_sid == twilio_standin.calls[0].sid


def test_a_job_that_died_after_creating_the_call_finds_it_instead_of_calling_again(
    twilio_desk, twilio_standin, clock
):
    entry = twilio_desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    agent_id, _ = twilio_desk.agent()
    queue = twilio_desk.services.queue
    assert queue.accept(QUEUE, entry.entry_id, str(agent_id))
    accepted_at = queue.get(QUEUE, entry.entry_id).accepted_at
    key = attempt_key(ref, accepted_at)
    # What the first run did before it died: the attempt, placing_at, the call itself.
    records = twilio_desk.records
    records.ensure(queue.get(QUEUE, entry.entry_id))
    records.start_attempt(ref, key, agent_id=agent_id, agent_name="Ana", endpoint=AGENT_PHONE,
                          called_at=accepted_at)
    records.mark_placing(key)
    urls = OutboundUrls(twilio_desk.settings.public_base_url)
    twilio_desk.services.telephony.place_call(
        to=AGENT_PHONE, from_=BUSINESS, url=urls.connect(key),
        status_callback=urls.agent_status(key), idempotency_key=f"callback:{key}")
    clock.advance(2)

    CallbackJobs(twilio_desk.services.redis).place_callback(ref, agent_id, accepted_at)
    twilio_desk.work()

    assert len(twilio_standin.requests_for("CreateCall")) == 1
    assert twilio_desk.record(ref).attempts[0].call_sid == twilio_standin.calls[0].sid
    assert twilio_desk.callback_tickets()[0].requester == CALLER
