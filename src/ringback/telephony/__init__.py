"""Outbound calls: the Twilio REST adapter and the simulator behind one interface."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.clock import Clock
from ringback.telephony.base import STATUS_CALLBACK_EVENTS, CallStatus, PlacedCall, Telephony
from ringback.telephony.errors import (
    CallNotFound,
    CallNotInProgress,
    CallOutcomeUnknown,
    GeoPermissionDenied,
    InvalidNumber,
    RateLimited,
    TelephonyError,
    TelephonyUnavailable,
)
from ringback.telephony.simulated import CallOutcome, SimCall, SimEvent, SimulatedTelephony
from ringback.telephony.twilio_rest import TwilioTelephony

if TYPE_CHECKING:
    import redis

    from ringback.settings import Settings

__all__ = [
    "STATUS_CALLBACK_EVENTS",
    "CallNotFound",
    "CallNotInProgress",
    "CallOutcome",
    "CallOutcomeUnknown",
    "CallStatus",
    "GeoPermissionDenied",
    "InvalidNumber",
    "PlacedCall",
    "RateLimited",
    "SimCall",
    "SimEvent",
    "SimulatedTelephony",
    "Telephony",
    "TelephonyError",
    "TelephonyUnavailable",
    "TwilioTelephony",
    "build_telephony",
]


def build_telephony(settings: Settings, redis_client: redis.Redis, clock: Clock) -> Telephony:
    """The adapter a process uses: Twilio when credentials are set, else the simulator."""
    if settings.twilio_account_sid and settings.twilio_auth_token:
        return TwilioTelephony(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_api_base_url,
            clock=clock,
        )
    from ringback.telephony.sim_play import PlayRules, start_playing

    rules = PlayRules.from_settings(settings)
    if rules is None:
        return SimulatedTelephony(redis_client, clock)
    return SimulatedTelephony(redis_client, clock, on_placed=start_playing(redis_client, clock))
