"""The terminal phone as the far end of a <Dial>, against a small TwiML app that checks
every request's Twilio signature: what Twilio would post, and when."""

from __future__ import annotations

import pytest
from flask import Flask, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, VoiceResponse

from ringback.clock import ManualClock
from ringback.terminal_phone import Ringing, Talking, TerminalPhone
from tests.live_server import LiveServer

TOKEN = "phone-dial-token"
PUBLIC = "https://public.example.com"
AGENT = "+493012345678"


@pytest.fixture
def seen():
    return []


@pytest.fixture
def server(seen):
    app = Flask(__name__)

    @app.before_request
    def check_signature():
        url = PUBLIC + request.full_path.rstrip("?")
        if not RequestValidator(TOKEN).validate(url, request.form,
                                                request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        seen.append((request.path, request.form.to_dict()))

    @app.post("/twilio/voice")
    def voice():
        r = VoiceResponse()
        dial = Dial(caller_id="+4915112345678", timeout=20, action="/done")
        dial.number(AGENT, url="/whisper", status_callback="/leg",
                    status_callback_event="answered completed")
        r.append(dial)
        r.say("never reached: the action decides")
        return str(r)

    @app.post("/whisper")
    def whisper():
        r = VoiceResponse()
        r.say("Caller from the support queue.")
        return str(r)

    @app.post("/done")
    def done():
        r = VoiceResponse()
        r.say(f"dial ended: {request.form['DialCallStatus']}")
        r.hangup()
        return str(r)

    @app.post("/elsewhere")
    def elsewhere():
        r = VoiceResponse()
        r.say("moved")
        return str(r)

    @app.post("/leg")
    @app.post("/twilio/status")
    def status():
        return "", 204

    with LiveServer(app) as live:
        yield live


def phone_for(server, clock, redirects=None) -> TerminalPhone:
    return TerminalPhone(server.url, auth_token=TOKEN, public_url=PUBLIC, clock=clock.now,
                         redirects=redirects)


def posted(seen, path):
    return [form for p, form in seen if p == path]


def test_the_far_end_answers_hears_the_whisper_talks_and_hangs_up(server, seen):
    clock = ManualClock()
    call = phone_for(server, clock).dial("+4930123456", "+4915112345678")

    ringing = call.waiting_for
    assert ringing == Ringing(to=(AGENT,), caller_id="+4915112345678", timeout=20)
    with pytest.raises(RuntimeError):
        call.press("1")  # no <Gather> to press at
    call.answer()
    assert isinstance(call.waiting_for, Talking) and call.waiting_for.to == AGENT
    assert [h.text for h in call.far_heard] == ["Caller from the support queue."]
    clock.advance(95)
    call.wait()
    call.far_end_hangs_up()

    assert call.ended
    assert call.said() == ["dial ended: completed"]
    (whisper,) = posted(seen, "/whisper")
    assert (whisper["To"], whisper["ParentCallSid"], whisper["Direction"]) == (
        AGENT, call.call_sid, "outbound-dial")
    assert [(f["CallStatus"], f["CallDuration"]) for f in posted(seen, "/leg")] == [
        ("in-progress", "0"), ("completed", "95")]
    (action,) = posted(seen, "/done")
    assert (action["DialCallStatus"], action["DialCallDuration"], action["CallStatus"]) == (
        "completed", "95", "in-progress")
    assert action["DialCallSid"] == whisper["CallSid"]


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_a_far_end_that_does_not_pick_up_ends_the_dial_with_its_status(server, seen, status):
    call = phone_for(server, ManualClock()).dial("+4930123456", "+4915112345678")
    call.ring_out(status)

    assert call.said() == [f"dial ended: {status}"]
    assert posted(seen, "/whisper") == []
    assert [f["CallStatus"] for f in posted(seen, "/leg")] == [status]


def test_the_caller_hanging_up_while_it_rings_tells_the_action_and_the_status(server, seen):
    call = phone_for(server, ManualClock()).dial("+4930123456", "+4915112345678")
    call.hang_up()

    assert call.ended and call.said() == []
    (action,) = posted(seen, "/done")
    assert (action["DialCallStatus"], action["CallStatus"]) == ("canceled", "completed")
    assert posted(seen, "/twilio/status")[-1]["CallStatus"] == "completed"


def test_a_redirect_while_ringing_moves_the_call_without_the_action(server, seen):
    pending: list[str] = []
    phone = phone_for(server, ManualClock(), lambda _sid: pending.pop() if pending else None)
    call = phone.dial("+4930123456", "+4915112345678")
    assert isinstance(call.waiting_for, Ringing)

    pending.append(f"{PUBLIC}/elsewhere")  # e.g. ringback moved the caller to another agent
    call.wait()

    assert call.said() == ["moved"] and call.ended
    assert posted(seen, "/done") == []
    assert posted(seen, "/twilio/status")[-1]["CallStatus"] == "completed"
