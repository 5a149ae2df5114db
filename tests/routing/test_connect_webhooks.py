"""The webhooks that connect a live caller to an agent, as Twilio calls them (signed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ringback.callbacks.service import entry_ref
from ringback.ivr.prompts import PromptKey, load_prompts
from ringback.queue.models import EntryState, EventType
from ringback.routing.live import LiveCallState
from ringback.routing.urls import AgentUrls, OfferTag
from ringback.scheduler.deadlines import DeadlineKind
from tests.routing.conftest import BUSINESS, CALLER, OFFER_SECONDS, QUEUE, caller

BASE = "https://ringback.example.com"
ENGLISH = {"language": "en-US", "voice": "Polly.Joanna"}  # the account default: agents hear it


@pytest.fixture
def settings(settings):
    """Agents here may also be SIP phones on the company PBX."""
    return settings.with_changes(sip_domains=frozenset({"pbx.example.com"}))


def tree(response) -> list[tuple[str, dict[str, str], str]]:
    """The TwiML as (tag, attributes, text) in document order, for exact comparison."""
    assert response.status_code == 200, response.get_data(as_text=True)
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return [(e.tag, dict(e.attrib), (e.text or "").strip()) for e in root.iter()][1:]


def caller_leg(sid: str, **extra: str) -> dict[str, str]:
    return {"CallSid": sid, "From": CALLER, "To": BUSINESS, "CallStatus": "in-progress",
            **extra}


def agent_leg(sid: str, endpoint: str, **extra: str) -> dict[str, str]:
    return {"CallSid": "CA" + "f" * 32, "ParentCallSid": sid, "From": CALLER,
            "To": endpoint, "CallStatus": "in-progress", **extra}


def rung(desk, endpoint: str = "+493012345678"):
    """A caller offered to Ana, whose endpoint rings: (entry, tag, connect url)."""
    ana, _ = desk.agent("Ana", endpoint=endpoint)
    waiting = caller(desk)
    desk.presence(ana, "available", [QUEUE])
    desk.work()
    (url,) = desk.redirects_of(waiting.call_sid)
    entry = desk.services.queue.get(QUEUE, waiting.entry_id)
    tag = OfferTag.of_entry(entry)
    assert tag is not None
    return entry, tag, url


@pytest.mark.parametrize(("endpoint", "noun", "address"), [
    ("+493012345678", "Number", "+493012345678"),
    ("sip:ana@pbx.example.com", "Sip", "sip:ana@pbx.example.com"),
])
def test_connect_dials_the_agent_with_the_callers_number_and_a_whisper(
    desk, endpoint, noun, address
):
    entry, tag, url = rung(desk, endpoint)
    urls = AgentUrls(BASE)
    assert url == urls.connect(tag, address, OFFER_SECONDS)

    answer = desk.webhook(url, caller_leg(entry.call_sid))

    assert tree(answer) == [
        ("Dial", {"action": urls.dial_done(tag), "callerId": CALLER, "method": "POST",
                  "timeout": str(OFFER_SECONDS)}, ""),
        (noun, {"url": urls.whisper(tag), "method": "POST",
                "statusCallback": urls.leg_status(tag), "statusCallbackEvent": "completed",
                "statusCallbackMethod": "POST"}, address),
    ]


def test_a_softphone_is_dialled_as_a_twilio_client(desk):
    ana, token = desk.agent("Ana", endpoint="client:ana")
    waiting = caller(desk)
    desk.presence(ana, "available", [QUEUE])
    desk.accept(entry_ref(QUEUE, waiting.entry_id), token)
    desk.work()
    (url,) = desk.redirects_of(waiting.call_sid)

    (dial, client) = tree(desk.webhook(url, caller_leg(waiting.call_sid)))

    assert dial[0] == "Dial" and (client[0], client[2]) == ("Client", "ana")
    assert client[1]["url"].startswith(f"{BASE}/twilio/voice/agent/whisper?")


def test_the_agent_answering_takes_the_caller_and_hears_the_whisper(desk, clock):
    entry, tag, _ = rung(desk)
    ref = entry_ref(QUEUE, entry.entry_id)
    desk.services.deadlines.schedule(DeadlineKind.QUEUE_MAX_WAIT, ref, entry.enqueued_at + 900)
    clock.advance(75)

    answer = desk.webhook(AgentUrls(BASE).whisper(tag),
                          agent_leg(entry.call_sid, "+493012345678"))

    assert tree(answer) == [("Say", ENGLISH,
                             "Caller from the support queue, waiting one minute 15 seconds.")]
    taken = desk.services.queue.get(QUEUE, entry.entry_id)
    assert (taken.state, taken.accepted_by) == (EntryState.ACCEPTED, tag.agent_id)
    assert desk.services.deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, ref) is None
    assert desk.services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT, ref) is None
    accepted = [e for e in desk.events(QUEUE) if e.type is EventType.ACCEPTED]
    assert [(e.agent_id, e.wait_seconds) for e in accepted] == [(tag.agent_id, 75.0)]


def test_an_agent_answering_an_offer_that_is_over_hears_so_and_the_leg_ends(desk):
    entry, tag, _ = rung(desk)
    desk.presence(int(tag.agent_id), "logged_out")

    answer = desk.webhook(AgentUrls(BASE).whisper(tag),
                          agent_leg(entry.call_sid, "+493012345678"))

    assert tree(answer) == [("Say", ENGLISH, "This caller is no longer waiting. Goodbye."),
                            ("Hangup", {}, "")]
    assert desk.services.queue.get(QUEUE, entry.entry_id).state is EntryState.WAITING


def test_connect_for_an_offer_that_is_over_puts_the_caller_back_in_the_queue(desk):
    entry, tag, url = rung(desk)
    desk.presence(int(tag.agent_id), "logged_out")

    answer = desk.webhook(url, caller_leg(entry.call_sid))

    say, enqueue = tree(answer)
    assert say[2] == load_prompts("en").text(PromptKey.KEEP_WAITING)
    assert enqueue == ("Enqueue", {
        "action": f"{BASE}/twilio/voice/queue-exit?queue={QUEUE}", "method": "POST",
        "waitUrl": f"{BASE}/twilio/voice/wait?queue={QUEUE}", "waitUrlMethod": "POST"}, QUEUE)


def test_a_busy_agent_phone_is_a_missed_offer_and_the_caller_holds_again(desk):
    entry, tag, _ = rung(desk)

    answer = desk.webhook(AgentUrls(BASE).dial_done(tag), caller_leg(
        entry.call_sid, DialCallStatus="busy", DialCallDuration="0"))

    assert [t[0] for t in tree(answer)] == ["Say", "Enqueue"]
    status = desk.state(int(tag.agent_id))
    assert (status["state"], status["missed"]["reason"]) == (
        "missed", "the agent's line was busy")
    assert desk.services.queue.get(QUEUE, entry.entry_id).state is EntryState.WAITING
    declined = [e.type for e in desk.events(QUEUE)][-1]
    assert declined is EventType.DECLINED  # before the offer's deadline: a decline


def test_the_agent_legs_status_finishes_a_call_whose_dial_action_did_not_come(desk, clock):
    entry, tag, _ = rung(desk)
    urls = AgentUrls(BASE)
    desk.webhook(urls.whisper(tag), agent_leg(entry.call_sid, "+493012345678"))
    clock.advance(42)

    desk.webhook(urls.leg_status(tag), agent_leg(entry.call_sid, "+493012345678",
                                                 CallStatus="completed", CallDuration="42"))
    late = desk.webhook(urls.dial_done(tag), caller_leg(
        entry.call_sid, DialCallStatus="completed", DialCallDuration="43"))

    assert tree(late) == [("Hangup", {}, "")]  # done: not back into the queue
    (completed,) = [e for e in desk.events(QUEUE) if e.type is EventType.COMPLETED]
    assert completed.handle_seconds == 42.0
    agent = int(tag.agent_id)
    assert desk.state(agent)["state"] == "wrap_up"
    assert desk.services.deadlines.due_at(DeadlineKind.WRAP_UP_END, tag.agent_id) == \
        clock.now() + 30


def test_the_dial_action_of_a_caller_who_hung_up_while_ringing_leaves_the_entry_to_the_status(
    desk
):
    entry, tag, _ = rung(desk)

    answer = desk.webhook(AgentUrls(BASE).dial_done(tag), caller_leg(
        entry.call_sid, CallStatus="completed", DialCallStatus="canceled"))

    assert tree(answer) == [("Hangup", {}, "")]
    assert desk.state(int(tag.agent_id))["state"] == "offered"  # not missed
    desk.webhook(f"{BASE}/twilio/status", caller_leg(entry.call_sid, CallStatus="completed"))
    assert desk.services.queue.get(QUEUE, entry.entry_id) is None
    assert desk.state(int(tag.agent_id))["state"] == "available"


def test_a_live_call_goes_joined_offered_connecting_back_connected_done(desk):
    """The live call's states (docs/routing.md), read by ``LiveCalls.state``."""
    live = desk.services.routing.live
    ana, _ = desk.agent("Ana")
    waiting = caller(desk)  # nobody available yet
    state = lambda: live.state(QUEUE, waiting.entry_id)  # noqa: E731
    assert state() is LiveCallState.JOINED

    desk.presence(ana, "available", [QUEUE])
    assert state() is LiveCallState.OFFERED
    desk.work()  # the ring job puts the caller through to Ana's phone
    first = OfferTag.of_entry(desk.services.queue.get(QUEUE, waiting.entry_id))
    assert state() is LiveCallState.CONNECTING

    desk.webhook(AgentUrls(BASE).dial_done(first), caller_leg(
        waiting.call_sid, DialCallStatus="no-answer", DialCallDuration="0"))
    assert state() is LiveCallState.BACK_IN_QUEUE

    bo, _ = desk.agent("Bo", endpoint="+493012345679")
    desk.presence(bo, "available", [QUEUE])
    desk.work()
    second = OfferTag.of_entry(desk.services.queue.get(QUEUE, waiting.entry_id))
    assert second.agent_id == str(bo) and state() is LiveCallState.CONNECTING

    desk.webhook(AgentUrls(BASE).whisper(second), agent_leg(waiting.call_sid, "+493012345679"))
    assert state() is LiveCallState.CONNECTED
    desk.webhook(AgentUrls(BASE).dial_done(second), caller_leg(
        waiting.call_sid, DialCallStatus="completed", DialCallDuration="30"))
    assert state() is LiveCallState.DONE
