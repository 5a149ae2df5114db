"""Fixtures for the telephony tests: the Twilio stand-in and an adapter pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ringback.clock import ManualClock
from ringback.telephony import TwilioTelephony
from tests.twilio_standin import TwilioStandIn


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff delays the adapter asked for, in order (nothing really sleeps)."""
    return []


@pytest.fixture
def twilio_telephony(
    twilio_standin: TwilioStandIn, clock: ManualClock, sleeps: list[float]
) -> Iterator[TwilioTelephony]:
    """The real Twilio adapter, every request sent to the stand-in.

    Its sleep records the delay and moves the clock instead of waiting.
    """

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    telephony = TwilioTelephony(
        twilio_standin.account_sid,
        twilio_standin.auth_token,
        twilio_standin.base_url,
        sleep=sleep,
        clock=clock,
        request_timeout=5.0,
    )
    try:
        yield telephony
    finally:
        telephony.close()
