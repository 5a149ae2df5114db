"""Twilio's webhooks take bodies up to 64 KB (ringback.app.WEBHOOK_MAX_BODY); a
bigger one is refused with 413 before the form is parsed, never a 500."""

from __future__ import annotations

from ringback.app import WEBHOOK_MAX_BODY
from tests.webhooks.conftest import BUSINESS, CALLER, SID


def params(size: int) -> dict[str, str]:
    base = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "ringing"}
    return {**base, "SpeechResult": "x" * size}


def test_a_webhook_body_over_64_kb_is_413(signed, number):
    number()
    answer = signed("/twilio/voice", params(WEBHOOK_MAX_BODY))
    assert answer.status_code == 413


def test_the_hold_loop_refuses_a_body_over_64_kb_too(signed, number):
    number()
    answer = signed("/twilio/voice/wait?queue=support", params(WEBHOOK_MAX_BODY))
    assert answer.status_code == 413


def test_a_webhook_body_under_64_kb_is_answered(signed, number):
    number()
    answer = signed("/twilio/voice", params(WEBHOOK_MAX_BODY - 1000))
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).startswith("<?xml")
