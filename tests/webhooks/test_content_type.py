"""Every TwiML answer names its media type and charset exactly once, from either side
of the hold loop's middleware (issue 17, item 8)."""

from __future__ import annotations

from urllib.parse import urlencode

from ringback.routing.urls import REQUEUE_PATH
from tests.webhooks.conftest import BUSINESS, CALLER, SID

TWIML = "text/xml; charset=utf-8"
PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "in-progress"}


def test_flask_served_twiml_names_its_charset_once(signed, number):
    number(language="en")
    answers = {
        "welcome": signed("/twilio/voice", PARAMS),
        "menu": signed("/twilio/voice/menu", {**PARAMS, "Digits": "1"}),
        "hold round": signed("/twilio/voice/wait?queue=default", PARAMS),
        "status": signed("/twilio/status", {**PARAMS, "CallStatus": "ringing"}),
        "agent requeue": signed(f"{REQUEUE_PATH}?{urlencode({'queue': 'default'})}", PARAMS),
        "apology": signed("/twilio/voice/menu", {"To": BUSINESS, "Digits": "1"}),
    }
    assert {name: (a.status_code, a.headers["Content-Type"]) for name, a in answers.items()} \
        == dict.fromkeys(answers, (200, TWIML))
