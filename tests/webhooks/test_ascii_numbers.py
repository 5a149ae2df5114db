"""Issue 16, finding 9: Twilio's numeric parameters are read as ASCII digits only."""

from __future__ import annotations

import pytest

from ringback.calls.request import CallRequest

SID = "CA" + "ab" * 16


@pytest.mark.parametrize("duration", ["\u00b2", "\u0663", "\uff15", "1_0", "-3", "+7", ""])
def test_a_recording_duration_not_in_ascii_digits_is_no_duration(duration):
    request = CallRequest.from_twilio({"CallSid": SID, "RecordingDuration": duration}, {})
    assert request.recording_seconds is None


def test_a_recording_duration_in_ascii_digits_is_read():
    request = CallRequest.from_twilio({"CallSid": SID, "RecordingDuration": "42"}, {})
    assert request.recording_seconds == 42
