"""An agent calls a callback back: exactly one agent wins, the call rings the agent
first, and every ending is recorded once (through the simulator's telephony)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ringback.callbacks.dial_results import DialResults
from ringback.callbacks.dialing import Dialer
from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import OutboundUrls
from ringback.queue.models import AgentState, EntryState
from ringback.scheduler.deadlines import DeadlineKind
from ringback.store.callbacks import AttemptOutcome, CallbackState
from ringback.telephony import SimulatedTelephony
from tests.callbacks.conftest import AGENT_PHONE, BUSINESS, CALLER, QUEUE
from tests.conftest import OWNER_TOKEN


def _sim(desk) -> SimulatedTelephony:
    telephony = desk.services.telephony
    assert isinstance(telephony, SimulatedTelephony)
    return telephony


def _called(desk, *, caller: str = CALLER, agent: str = "Ana"):
    """A callback called by a fresh agent, its job run: (ref, agent id, attempt key)."""
    entry = desk.ask(caller)
    ref = entry_ref(QUEUE, entry.entry_id)
    agent_id, token = desk.agent(agent)
    assert desk.call(ref, token).status_code == 202
    desk.work()
    return ref, agent_id, desk.attempt_key(ref)


def test_calling_a_callback_rings_the_agent_first_from_the_business_number(desk):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    agent_id, token = desk.agent()

    response = desk.call(ref, token)
    assert response.status_code == 202
    body = response.get_json()
    assert (body["id"], body["state"], body["agent_id"]) == (ref, "dialing", agent_id)
    desk.work()

    (call,) = _sim(desk).calls()
    key = desk.attempt_key(ref)
    urls = OutboundUrls(desk.settings.public_base_url)
    assert (call.to, call.from_) == (AGENT_PHONE, BUSINESS)
    assert (call.url, call.status_callback) == (urls.connect(key), urls.agent_status(key))
    record = desk.record(ref)
    assert record.state is CallbackState.DIALING
    assert record.attempts[0].call_sid == call.sid
    assert record.wait_seconds == 0
    (ticket,) = desk.callback_tickets()
    assert ticket.id == record.ticket_id and ticket.requester == CALLER
    assert ticket.data["attempts"][0]["agent_id"] == agent_id
    assert desk.services.queue.agent(str(agent_id)).state is AgentState.BUSY
    assert desk.services.deadlines.due_at(DeadlineKind.CALLBACK_EXPIRY, ref) is None


def test_the_agent_hears_a_whisper_then_the_customer_is_dialled_with_the_business_caller_id(
    desk,
):
    ref, _, key = _called(desk)
    urls = OutboundUrls(desk.settings.public_base_url)

    response = desk.webhook(urls.connect(key), {"CallSid": _sim(desk).calls()[0].sid,
                                                "CallStatus": "in-progress"})

    assert response.status_code == 200
    root = ET.fromstring(response.data)
    say, dial = list(root)
    assert say.tag == "Say" and QUEUE in (say.text or "")
    assert dial.tag == "Dial"
    assert dial.get("callerId") == BUSINESS
    assert dial.get("action") == urls.dial_done(key)
    (number,) = list(dial)
    assert (number.tag, number.text) == ("Number", CALLER)
    assert number.get("statusCallback") == urls.customer_status(key)
    assert number.get("statusCallbackEvent") == "answered"


def test_outbound_webhooks_refuse_requests_without_twilio_signature(desk):
    ref, _, key = _called(desk)
    url = OutboundUrls(desk.settings.public_base_url).dial_done(key)
    path = url.split(desk.settings.public_base_url, 1)[1]
    response = desk.client.post(path, data={"DialCallStatus": "no-answer"})
    assert response.status_code == 403
    desk.work()
    assert desk.record(ref).state is CallbackState.DIALING


@pytest.mark.parametrize(("status", "outcome", "said"), [
    ("no-answer", AttemptOutcome.NO_ANSWER, "no answer"),
    ("busy", AttemptOutcome.BUSY, "busy"),
    ("failed", AttemptOutcome.FAILED, "failed"),
])
def test_a_missed_callback_gets_one_internal_comment_and_no_second_call(
    desk, status, outcome, said
):
    ref, agent_id, key = _called(desk)
    queue_id, entry_id = ref.split(":")
    urls = OutboundUrls(desk.settings.public_base_url)
    sid = _sim(desk).calls()[0].sid

    form = {"CallSid": sid, "DialCallStatus": status, "DialCallDuration": "0"}
    assert desk.webhook(urls.dial_done(key), form).status_code == 200
    desk.work()
    # Twilio delivers it again, then the agent's leg ends.
    desk.webhook(urls.dial_done(key), form)
    desk.webhook(urls.agent_status(key), {"CallSid": sid, "CallStatus": "completed"})
    desk.work()

    record = desk.record(ref)
    assert record.state is CallbackState.DONE and record.outcome is outcome
    ticket = desk.tickets.get(record.ticket_id)
    (comment,) = ticket.comments
    assert comment.internal
    assert comment.body.startswith("Callback attempted at ")
    assert f"by Ana: {said}" in comment.body
    assert desk.services.queue.get(queue_id, entry_id) is None
    assert desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE
    assert len(_sim(desk).calls()) == 1
    # Calling it again is not possible: it has left the queue.
    _, token = desk.agent("Bo")
    assert desk.call(ref, token).status_code == 404


def test_the_tickets_attempts_carry_the_outcome_after_a_no_answer(desk):
    # Issue 16 11: data.attempts kept "outcome": null; the outcome was only in the comment.
    ref, agent_id, key = _called(desk)
    urls = OutboundUrls(desk.settings.public_base_url)
    sid = _sim(desk).calls()[0].sid
    form = {"CallSid": sid, "DialCallStatus": "no-answer", "DialCallDuration": "0"}

    assert desk.webhook(urls.dial_done(key), form).status_code == 200
    desk.work()

    (ticket,) = desk.callback_tickets()
    (attempt,) = ticket.data["attempts"]
    assert attempt["outcome"] == "no_answer"
    assert attempt["reason"] == "the customer did not answer"
    assert attempt["agent_id"] == agent_id
    assert ticket.data["callback_ref"] == ref  # the other fields are kept


def test_a_connected_callback_is_done_with_its_handle_time(desk, clock):
    ref, agent_id, key = _called(desk)
    urls = OutboundUrls(desk.settings.public_base_url)
    sid = _sim(desk).calls()[0].sid

    desk.webhook(urls.customer_status(key), {"CallSid": "CA" + "c" * 32,
                                             "CallStatus": "in-progress"})
    desk.work()
    assert desk.get(f"/api/v1/callbacks/{ref}").get_json()["state"] == "connected"

    clock.advance(95)
    desk.webhook(urls.dial_done(key), {"CallSid": sid, "DialCallStatus": "completed",
                                       "DialCallDuration": "95"})
    desk.webhook(urls.agent_status(key), {"CallSid": sid, "CallStatus": "completed"})
    desk.work()

    record = desk.record(ref)
    assert (record.state, record.outcome, record.handle_seconds) == (
        CallbackState.DONE, AttemptOutcome.CONNECTED, 95.0)
    assert desk.tickets.get(record.ticket_id).comments == ()
    assert desk.services.queue.size(QUEUE) == 0
    presence = desk.services.queue.agent(str(agent_id))
    assert presence.state is AgentState.WRAP_UP
    assert desk.services.deadlines.due_at(DeadlineKind.WRAP_UP_END, str(agent_id)) == \
        presence.wrap_up_until

    clock.advance(60)
    desk.sweep()
    desk.work()
    assert desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE


def test_an_agent_who_does_not_answer_fails_the_attempt_with_the_reason(desk):
    ref, agent_id, key = _called(desk)
    sid = _sim(desk).calls()[0].sid
    desk.webhook(OutboundUrls(desk.settings.public_base_url).agent_status(key),
                 {"CallSid": sid, "CallStatus": "no-answer"})
    desk.work()
    record = desk.record(ref)
    assert record.outcome is AttemptOutcome.FAILED
    assert record.attempts[0].reason == "the agent's phone did not answer"
    (comment,) = desk.tickets.get(record.ticket_id).comments
    assert "the agent's phone did not answer" in comment.body
    assert desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE


def test_two_agents_calling_at_once_give_one_call(desk):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    _, ana = desk.agent("Ana")
    _, bo = desk.agent("Bo", endpoint="+493012345679")

    first, second = desk.call(ref, ana), desk.call(ref, bo)
    again = desk.call(ref, ana)  # pressed twice

    assert (first.status_code, second.status_code, again.status_code) == (202, 409, 202)
    desk.work()
    assert [c.to for c in _sim(desk).calls()] == [AGENT_PHONE]
    assert len(desk.record(ref).attempts) == 1


def test_declined_callback_returns_to_its_place(desk):
    first = desk.ask("+4915100000001")
    second = desk.ask("+4915100000002")
    ref = entry_ref(QUEUE, first.entry_id)
    agent_id, token = desk.agent()

    response = desk.decline(ref, token)

    assert response.status_code == 200
    assert response.get_json()["state"] == "requested"
    assert response.get_json()["position"] == 1
    assert desk.services.queue.position(QUEUE, second.entry_id) == 2
    entry = desk.services.queue.get(QUEUE, first.entry_id)
    assert entry is not None and entry.state is EntryState.WAITING
    assert str(agent_id) in entry.declined_by
    # Another agent can still call it back.
    _, bo = desk.agent("Bo", endpoint="+493012345679")
    assert desk.call(ref, bo).status_code == 202


def test_the_owner_token_calls_for_a_named_agent(desk):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    agent_id, _ = desk.agent()

    missing = desk.call(ref, OWNER_TOKEN)
    assert missing.status_code == 422 and "agent_id" in missing.get_json()["errors"]
    assert desk.call(ref, OWNER_TOKEN, agent_id=agent_id).status_code == 202
    desk.work()
    assert _sim(desk).calls()[0].to == AGENT_PHONE


def test_an_agent_cannot_call_for_another_agent(desk):
    entry = desk.ask()
    ana_id, _ = desk.agent("Ana")
    _, bo = desk.agent("Bo", endpoint="+493012345679")
    response = desk.call(entry_ref(QUEUE, entry.entry_id), bo, agent_id=ana_id)
    assert response.status_code == 403


def test_an_agent_without_an_endpoint_or_not_logged_in_cannot_call(desk):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    _, no_phone = desk.agent("Ana", endpoint=None)
    _, away = desk.agent("Bo", endpoint="+493012345679", available=False)

    assert desk.call(ref, no_phone).status_code == 422
    assert desk.call(ref, away).status_code == 409
    assert desk.services.queue.get(QUEUE, entry.entry_id).state is EntryState.WAITING


def test_an_unknown_callback_is_not_found(desk):
    _, token = desk.agent()
    assert desk.call(f"{QUEUE}:zz9", token).status_code == 404
    assert desk.decline("nonsense", token).status_code == 404


def test_a_callback_number_in_a_country_the_number_does_not_allow_is_never_dialled(desk):
    ref, agent_id, _ = _called(desk, caller="+447911123456")  # a UK mobile, German number
    record = desk.record(ref)
    assert record.outcome is AttemptOutcome.FAILED
    assert "does not allow callbacks to that country" in (record.attempts[0].reason or "")
    assert _sim(desk).calls() == []
    assert desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE


def test_a_premium_rate_callback_number_is_never_dialled(desk):
    ref, _, _ = _called(desk, caller="+499001234567")
    assert "premium-rate" in (desk.record(ref).attempts[0].reason or "")
    assert _sim(desk).calls() == []


def test_a_rerun_place_job_does_not_place_a_second_call(desk):
    ref, agent_id, key = _called(desk)
    accepted_at = desk.record(ref).attempts[0].called_at
    (call,) = _sim(desk).calls()

    again = Dialer(desk.parts, DialResults(desk.services.redis)).place(ref, agent_id,
                                                                       accepted_at)

    assert again is not None and again.call_sid == call.sid
    assert len(_sim(desk).calls()) == 1


def test_connecting_a_callback_that_left_the_queue_tells_the_agent_and_hangs_up(desk):
    ref, _, key = _called(desk)
    desk.services.queue.remove(*ref.split(":"))
    response = desk.webhook(OutboundUrls(desk.settings.public_base_url).connect(key),
                            {"CallSid": _sim(desk).calls()[0].sid})
    assert response.status_code == 200
    say, hangup = list(ET.fromstring(response.data))
    assert (say.tag, hangup.tag) == ("Say", "Hangup")
    assert "no longer waiting" in (say.text or "")


def test_outbound_webhooks_without_an_attempt_answer_twiml_not_an_error(desk):
    base = desk.settings.public_base_url
    for path in ("connect", "dial-done", "status", "customer-status"):
        response = desk.webhook(f"{base}/twilio/voice/callback/outbound/{path}",
                                {"CallSid": "CA" + "e" * 32, "DialCallStatus": "busy",
                                 "CallStatus": "completed"})
        assert response.status_code == 200, path
        assert response.mimetype == "text/xml"
    desk.work()


def test_a_personal_number_is_never_dialled_even_in_an_allowed_country(desk):
    desk.services.numbers.put(BUSINESS, {"callback": {"allowed_countries": ["DE", "GB"]}})
    ref, agent_id, _ = _called(desk, caller="+447012345678")  # +44 70: a UK personal number
    record = desk.record(ref)
    assert record.outcome is AttemptOutcome.FAILED
    assert record.attempts[0].reason == (
        "the callback number is a personal or universal access number (toll-fraud guard)")
    assert _sim(desk).calls() == []
    assert desk.services.queue.agent(str(agent_id)).state is AgentState.AVAILABLE


def test_a_callback_to_one_of_the_business_numbers_is_never_dialled(desk):
    other_line = "+4940123456"
    desk.services.numbers.put(BUSINESS, {})
    desk.services.numbers.put(other_line, {})
    for own, agent in ((other_line, "Ana"), (BUSINESS, "Bo")):
        ref, _, _ = _called(desk, caller=own, agent=agent)
        assert desk.record(ref).attempts[0].reason == (
            "the callback number is one of the business's own numbers")
    assert _sim(desk).calls() == []


def test_an_agent_endpoint_outside_the_rules_is_never_rung_for_a_callback(desk):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    _, token = desk.agent(endpoint="sip:ana@pbx.example.com")  # no SIP domain is allowed
    assert desk.call(ref, token).status_code == 202
    desk.work()
    assert desk.record(ref).attempts[0].reason == (
        "the agent's endpoint is refused: SIP addresses are not allowed here: ask your "
        "administrator to allow this SIP domain, or use a phone number")
    assert _sim(desk).calls() == []
