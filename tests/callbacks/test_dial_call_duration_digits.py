"""Issue 16, finding 9: a Twilio duration in digits other than ASCII is no number.

``'²'.isdigit()`` is true and ``float('²')`` raises: a signed dial action with
``DialCallDuration=²`` reached the apology path with an ERROR traceback.
"""

from __future__ import annotations

import logging

import pytest

from ringback.callbacks.urls import OutboundUrls
from ringback.store.callbacks import AttemptOutcome, CallbackState
from tests.callbacks.test_call import _called, _sim


@pytest.mark.parametrize("duration", ["\u00b2", "\u0663"])
def test_a_dial_call_duration_that_is_not_ascii_digits_counts_as_unknown(desk, caplog,
                                                                         duration):
    ref, _, key = _called(desk)
    urls = OutboundUrls(desk.settings.public_base_url)
    sid = _sim(desk).calls()[0].sid
    caplog.set_level(logging.INFO)

    answer = desk.webhook(urls.dial_done(key), {"CallSid": sid, "DialCallStatus": "completed",
                                                "DialCallDuration": duration})
    desk.webhook(urls.agent_status(key), {"CallSid": sid, "CallStatus": "completed"})
    desk.work()

    assert answer.status_code == 200
    assert "<Hangup" in answer.get_data(as_text=True)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    record = desk.record(ref)
    assert (record.state, record.outcome, record.handle_seconds) == (
        CallbackState.DONE, AttemptOutcome.CONNECTED, 0.0)
