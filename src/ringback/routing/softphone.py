"""Access tokens for the browser softphone (Twilio's Voice JavaScript SDK).

An agent whose endpoint is ``client:<identity>`` takes calls in the browser:
the softphone logs in to Twilio with a short-lived access token that ringback
mints with twilio's own JWT helpers, signed with an API key
(TWILIO_API_KEY_SID / TWILIO_API_KEY_SECRET).  The token lets that identity
receive calls, and place calls through the TwiML app TWILIO_TWIML_APP_SID
when one is configured.  Times come from the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from ringback.clock import Clock
from ringback.errors import Conflict, ValidationError
from ringback.routing.endpoints import EndpointKind, parse_endpoint
from ringback.settings import Settings
from ringback.store.models import Agent

TOKEN_SECONDS = 3600


@dataclass(frozen=True)
class SoftphoneToken:
    token: str
    identity: str
    expires_at: float


class SoftphoneTokens:
    def __init__(self, settings: Settings, clock: Clock, ttl: int = TOKEN_SECONDS) -> None:
        self._settings = settings
        self._clock = clock
        self._ttl = ttl

    @property
    def configured(self) -> bool:
        s = self._settings
        return bool(s.twilio_account_sid and s.twilio_api_key_sid and s.twilio_api_key_secret)

    def mint(self, agent: Agent) -> SoftphoneToken:
        """A token for the agent's softphone identity.  ValidationError when the
        agent's endpoint is not a softphone; Conflict when no API key is configured."""
        endpoint = parse_endpoint(agent.endpoint or "")
        if endpoint.kind is not EndpointKind.CLIENT:
            raise ValidationError({"endpoint": "is not a softphone (client:identity) endpoint"})
        s = self._settings
        if not (s.twilio_account_sid and s.twilio_api_key_sid and s.twilio_api_key_secret):
            raise Conflict("softphone tokens need TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and "
                           "TWILIO_API_KEY_SECRET to be set")
        now = int(self._clock.now())
        token = AccessToken(s.twilio_account_sid, s.twilio_api_key_sid, s.twilio_api_key_secret,
                            identity=endpoint.address, nbf=now, valid_until=now + self._ttl)
        token.add_grant(VoiceGrant(incoming_allow=True,
                                   outgoing_application_sid=s.twilio_twiml_app_sid))
        return SoftphoneToken(token.to_jwt(), endpoint.address, float(now + self._ttl))
