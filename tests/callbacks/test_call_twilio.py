"""The callback's outbound call through the real Twilio adapter, against the local
stand-in for Twilio's REST API (TWILIO_API_BASE_URL)."""

from __future__ import annotations

import pytest

from ringback.agents import AgentDirectory
from ringback.callbacks.enqueue import CallbackJobs
from ringback.callbacks.records import attempt_key
from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import OutboundUrls
from ringback.queue.models import AgentState
from ringback.store.callbacks import AttemptOutcome, CallbackState
from tests.callbacks.conftest import AGENT_PHONE, BUSINESS, CALLER, QUEUE
from tests.console.conftest import OWNER_EMAIL, OWNER_PASSWORD, log_in


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


def test_a_rate_limited_creation_is_tried_again_later_until_it_goes_through(
    twilio_desk, twilio_standin, clock
):
    twilio_standin.fail_next("CreateCall", status=429, code=20429, times=5)
    ref, _ = _call(twilio_desk)
    twilio_desk.work()
    for wait in (1, 2, 4, 8, 16):  # the dialer's backoff, each a deadline
        assert len(twilio_standin.requests_for("CreateCall")) == 6 - len(
            [w for w in (1, 2, 4, 8, 16) if w >= wait])
        clock.advance(wait)
        twilio_desk.sweep()
        twilio_desk.work()

    assert [r.status for r in twilio_standin.requests_for("CreateCall")] == [429] * 5 + [201]
    (call,) = twilio_standin.calls
    record = twilio_desk.record(ref)
    assert record.state is CallbackState.DIALING
    assert record.attempts[0].call_sid == call.sid


def test_a_500_after_twilio_created_the_call_does_not_ring_the_agent_twice(
    twilio_desk, twilio_standin, clock
):
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)
    ref, _ = _call(twilio_desk)

    _settle(twilio_desk, twilio_standin, clock)

    assert len(twilio_standin.calls) == 1
    assert len(twilio_standin.requests_for("CreateCall")) == 1
    assert twilio_standin.requests_for("ListCall") == []  # never found by To/From
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
    _settle(twilio_desk, twilio_standin, clock)

    assert len(twilio_standin.requests_for("CreateCall")) == 1
    assert twilio_desk.record(ref).attempts[0].call_sid == twilio_standin.calls[0].sid
    assert twilio_desk.callback_tickets()[0].requester == CALLER


# Call creation that Twilio answers with an error or "too many requests" (issue 16, item 10)

OTHER_CALLER = "+4915187654321"
# Longer than the wait for a created call's ``initiated`` status callback.
PAST_THE_WAIT = 20.0


def _own_call(desk, standin, ref):
    """The stand-in's calls placed for the attempt of ``ref``: its key is in their
    StatusCallback URL, which no other attempt's call carries."""
    status_url = OutboundUrls(desk.settings.public_base_url).agent_status(desk.attempt_key(ref))
    return [c for c in standin.calls if c.status_callback == status_url]


def _twilio_reports(desk, standin):
    """Twilio "sends" the status callbacks it owes; our webhooks answer them."""
    answers = []
    standin.deliver_status_callbacks(lambda url, params: answers.append(
        desk.webhook(url, params).status_code))
    assert set(answers) <= {200}


def _settle(desk, standin, clock, seconds=PAST_THE_WAIT):
    """Jobs run, Twilio reports, time passes, the scheduler sweeps, jobs run again."""
    desk.work()
    _twilio_reports(desk, standin)
    clock.advance(seconds)
    desk.sweep()
    desk.work()


def _console_callbacks_page(desk):
    """The console's callbacks page as the owner sees it."""
    AgentDirectory(desk.services.db).create_owner(OWNER_EMAIL, "Olivia Owner", OWNER_PASSWORD)
    assert log_in(desk.client, OWNER_EMAIL, OWNER_PASSWORD).status_code == 302
    page = desk.client.get("/console/callbacks")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _first_callback_rings_and_is_missed(desk, standin, clock, token):
    """Callback 1 of the agent: placed, the agent's phone does not answer, the agent is
    free again (Twilio's status callbacks did it); no time passes."""
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    assert desk.call(ref, token).status_code == 202
    desk.work()
    _twilio_reports(desk, standin)
    (call,) = _own_call(desk, standin, ref)
    standin.set_call_status(call.sid, "no-answer")
    _twilio_reports(desk, standin)
    desk.work()
    assert desk.record(ref).state is CallbackState.DONE
    return ref, call


def test_created_then_500_twice_by_one_agent_each_attempt_records_its_own_call(
    twilio_desk, twilio_standin, clock
):
    # Issue 16 10(a): the after-5xx lookup by To/From/time gave the second attempt
    # the first callback's call, since the agent leg's To and From never change.
    agent_id, token = twilio_desk.agent()
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)
    first, first_call = _first_callback_rings_and_is_missed(
        twilio_desk, twilio_standin, clock, token)
    assert twilio_desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE

    clock.advance(1)
    entry = twilio_desk.ask(OTHER_CALLER)
    second = entry_ref(QUEUE, entry.entry_id)
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)
    assert twilio_desk.call(second, token).status_code == 202
    _settle(twilio_desk, twilio_standin, clock)

    (second_call,) = _own_call(twilio_desk, twilio_standin, second)
    assert second_call.sid != first_call.sid
    assert twilio_desk.record(first).attempts[0].call_sid == first_call.sid
    record = twilio_desk.record(second)
    assert record.attempts[0].call_sid == second_call.sid
    assert record.state is CallbackState.DIALING
    assert len(twilio_standin.requests_for("CreateCall")) == 2
    assert twilio_standin.violations == []


def test_a_500_with_no_call_created_ends_the_attempt_and_frees_the_agent(
    twilio_desk, twilio_standin, clock
):
    # Issue 16 10(b): 90 s later no call had been placed, the callback was still
    # "dialing" and the agent still busy (the lookup took the agent's earlier call).
    agent_id, token = twilio_desk.agent()
    _first_callback_rings_and_is_missed(twilio_desk, twilio_standin, clock, token)
    clock.advance(1)
    entry = twilio_desk.ask(OTHER_CALLER)
    ref = entry_ref(QUEUE, entry.entry_id)
    twilio_standin.fail_next("CreateCall", status=500)
    assert twilio_desk.call(ref, token).status_code == 202

    _settle(twilio_desk, twilio_standin, clock, seconds=90)

    assert _own_call(twilio_desk, twilio_standin, ref) == []
    record = twilio_desk.record(ref)
    assert (record.state, record.outcome) == (CallbackState.DONE, AttemptOutcome.FAILED)
    (attempt,) = record.attempts
    assert attempt.call_sid is None
    assert "no call started" in (attempt.reason or "")
    assert twilio_desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE
    (comment,) = twilio_desk.tickets.get(record.ticket_id).comments
    assert "no call started" in comment.body
    shown = twilio_desk.get(f"/api/v1/callbacks/{ref}").get_json()
    assert (shown["state"], shown["outcome"]) == ("done", "failed")
    page = _console_callbacks_page(twilio_desk)
    row = page[page.index(f'data-ref="{ref}"'):]
    row = row[:row.index("</tr>")]
    assert "Done: failed" in row and "nobody is calling this customer now" in row
    # Never a second creation of a call whose outcome was unknown.
    assert len(twilio_standin.requests_for("CreateCall")) == 2


def test_a_created_call_whose_initiated_event_comes_late_is_still_found(
    twilio_desk, twilio_standin, clock
):
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)
    ref, agent_id = _call(twilio_desk)
    twilio_desk.work()
    clock.advance(5)  # the wait has not run out when Twilio's report arrives
    _settle(twilio_desk, twilio_standin, clock)

    (call,) = _own_call(twilio_desk, twilio_standin, ref)
    assert twilio_desk.record(ref).attempts[0].call_sid == call.sid
    assert twilio_desk.services.queue.agent(str(agent_id)).state is not AgentState.AVAILABLE


def test_a_rate_limit_storm_does_not_hold_the_worker_on_one_call(
    twilio_desk, twilio_standin, clock
):
    # Issue 16 10: one worker spent 45 s retrying one call while other callbacks
    # waited.  A 20429 now reschedules the attempt; the worker moves on at once.
    twilio_standin.rate_limit_storm("CreateCall", 30)
    _, ana = twilio_desk.agent("Ana")
    _, bo = twilio_desk.agent("Bo", endpoint="+493012345679")
    refs = []
    for caller, token in ((CALLER, ana), (OTHER_CALLER, bo)):
        ref = entry_ref(QUEUE, twilio_desk.ask(caller).entry_id)
        assert twilio_desk.call(ref, token).status_code == 202
        refs.append(ref)
    started = clock.now()

    twilio_desk.work()

    assert clock.now() == started  # nobody slept
    tried = [r.form["To"] for r in twilio_standin.requests_for("CreateCall")]
    assert tried == [[AGENT_PHONE], ["+493012345679"]]
    for _ in range(40):  # the storm passes; the rescheduled attempts go through
        if all(twilio_desk.record(ref).attempts[0].call_sid for ref in refs):
            break
        clock.advance(2)
        twilio_desk.sweep()
        twilio_desk.work()
    for ref in refs:
        (call,) = _own_call(twilio_desk, twilio_standin, ref)
        assert twilio_desk.record(ref).attempts[0].call_sid == call.sid
    assert len(twilio_standin.calls) == 2
    assert twilio_standin.violations == []


def test_a_rate_limit_that_does_not_end_fails_the_attempt_and_frees_the_agent(
    twilio_desk, twilio_standin, clock
):
    twilio_standin.rate_limit_storm("CreateCall", 3600)
    ref, agent_id = _call(twilio_desk)
    twilio_desk.work()
    for _ in range(60):
        if twilio_desk.record(ref).outcome is not None:
            break
        clock.advance(5)
        twilio_desk.sweep()
        twilio_desk.work()

    record = twilio_desk.record(ref)
    assert (record.state, record.outcome) == (CallbackState.DONE, AttemptOutcome.FAILED)
    assert "too many requests" in (record.attempts[0].reason or "")
    assert twilio_standin.calls == []
    assert twilio_desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE


def test_a_call_that_reports_itself_after_its_attempt_was_given_up_is_hung_up(
    twilio_desk, twilio_standin, clock
):
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)
    ref, agent_id = _call(twilio_desk)
    twilio_desk.work()
    clock.advance(PAST_THE_WAIT)  # Twilio's report is late: the attempt is given up
    twilio_desk.sweep()
    twilio_desk.work()
    assert twilio_desk.record(ref).outcome is AttemptOutcome.FAILED
    assert twilio_desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE

    _twilio_reports(twilio_desk, twilio_standin)  # initiated, at last
    twilio_desk.work()

    (call,) = _own_call(twilio_desk, twilio_standin, ref)
    assert call.status == "completed"
    (hangup,) = twilio_standin.requests_for("UpdateCall")
    assert hangup.form == {"Status": ["completed"]} and hangup.path.endswith(f"{call.sid}.json")
    assert len(twilio_standin.requests_for("CreateCall")) == 1


def test_a_created_call_is_recorded_as_soon_as_it_reports_itself(
    twilio_desk, twilio_standin, clock
):
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)
    ref, _ = _call(twilio_desk)
    twilio_desk.work()

    _twilio_reports(twilio_desk, twilio_standin)
    twilio_desk.work()  # no time passed: the report, not the wait, records the call

    (call,) = _own_call(twilio_desk, twilio_standin, ref)
    assert twilio_desk.record(ref).attempts[0].call_sid == call.sid
    assert call.status == "queued"  # still ringing the agent: nothing hung it up
    assert twilio_standin.requests_for("UpdateCall") == []
