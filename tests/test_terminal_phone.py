"""The terminal phone against a small TwiML server that stands in for an app.

The server checks each request's Twilio signature with twilio's own
RequestValidator, so the phone is held to what Twilio really sends.
"""

import pytest
from flask import Flask, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Enqueue, Gather, VoiceResponse

from ringback.terminal_phone import HANGUP, TerminalPhone
from tests.live_server import LiveServer

TOKEN = "phone-test-token"
PUBLIC = "https://public.example.com"


@pytest.fixture
def twiml_app():
    app = Flask(__name__)
    app.config["seen"] = []

    @app.before_request
    def check_signature():
        url = PUBLIC + request.full_path.rstrip("?")
        ok = RequestValidator(TOKEN).validate(url, request.form,
                                              request.headers.get("X-Twilio-Signature", ""))
        if not ok:
            abort(403)
        app.config["seen"].append((request.path, request.form.to_dict()))

    @app.post("/twilio/voice")
    def voice():
        r = VoiceResponse()
        r.say("Welcome", language="en-US")
        g = Gather(num_digits=1, action="/menu")
        g.say("Press 1 to queue")
        r.append(g)
        r.say("No input")
        r.hangup()
        return str(r)

    @app.post("/menu")
    def menu():
        r = VoiceResponse()
        e = Enqueue(action="/left", wait_url="/wait")
        e.value = "support"
        r.append(e)
        return str(r)

    @app.post("/wait")
    def wait():
        r = VoiceResponse()
        r.say(f"Round {request.form.get('QueueTime')}")
        g = Gather(num_digits=1, action="/choice")
        g.say("Press 1 to leave")
        r.append(g)
        return str(r)

    @app.post("/choice")
    def choice():
        r = VoiceResponse()
        if request.form.get("Digits") == "1":
            r.leave()
        return str(r)

    @app.post("/left")
    def left():
        r = VoiceResponse()
        r.say(f"You left: {request.form['QueueResult']}")
        r.hangup()
        return str(r)

    @app.post("/twilio/status")
    def status():
        return "", 204

    return app


def test_the_phone_follows_gather_enqueue_wait_loop_and_leave(twiml_app):
    with LiveServer(twiml_app) as server:
        phone = TerminalPhone(server.url, auth_token=TOKEN, public_url=PUBLIC)
        call = phone.dial("+14155550100", "+14155550199")
        assert call.said() == ["Welcome", "Press 1 to queue"]
        assert call.waiting_for and call.waiting_for.num_digits == 1

        call.press("1")  # into the queue; the wait document asks again
        assert call.said()[-2:] == ["Round 0", "Press 1 to leave"]
        call.press(None)  # silence: the wait document ends and is requested again
        assert call.said()[-2:] == ["Round 10", "Press 1 to leave"]
        call.press("1")
        assert call.ended
        assert call.said()[-1] == "You left: leave"

    paths = [p for p, _ in twiml_app.config["seen"]]
    assert paths == ["/twilio/voice", "/menu", "/wait", "/wait", "/choice", "/left",
                     "/twilio/status"]
    assert twiml_app.config["seen"][-1][1]["CallStatus"] == "completed"


def test_silence_at_the_menu_goes_on_with_the_next_verb(twiml_app):
    with LiveServer(twiml_app) as server:
        call = TerminalPhone(server.url, auth_token=TOKEN, public_url=PUBLIC).dial("+1", "+2")
        call.press(None)
        assert call.ended
        assert call.said()[-1] == "No input"
        assert call.heard[-1].kind == "hangup"


def test_hanging_up_in_the_queue_tells_the_enqueue_action(twiml_app):
    with LiveServer(twiml_app) as server:
        call = TerminalPhone(server.url, auth_token=TOKEN, public_url=PUBLIC).dial("+1", "+2")
        call.play(["1", HANGUP])
        assert call.ended
    left = [form for path, form in twiml_app.config["seen"] if path == "/left"]
    assert left and left[0]["QueueResult"] == "hangup"


def test_a_wrong_token_is_refused_by_the_signature_check(twiml_app):
    with LiveServer(twiml_app) as server:
        call = TerminalPhone(server.url, auth_token="other", public_url=PUBLIC).dial("+1", "+2")
        assert call.ended
        assert call.heard[0].kind == "error" and "403" in call.heard[0].text


def test_a_redirect_requested_by_the_app_takes_the_caller_out_of_the_queue(twiml_app):
    pending: dict[str, str] = {}

    @twiml_app.post("/agent")
    def agent():
        r = VoiceResponse()
        r.say("Connecting you to an agent")
        r.hangup()
        return str(r)

    with LiveServer(twiml_app) as server:
        phone = TerminalPhone(server.url, auth_token=TOKEN, public_url=PUBLIC,
                              redirects=lambda sid: pending.pop(sid, None))
        call = phone.dial("+1", "+2")
        call.press("1")
        pending[call.call_sid] = f"{PUBLIC}/agent"
        call.press(None)
        assert call.ended
        assert "Connecting you to an agent" in call.said()
    left = [form for path, form in twiml_app.config["seen"] if path == "/left"]
    assert left[0]["QueueResult"] == "redirected"
