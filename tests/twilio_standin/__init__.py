"""A local stand-in for Twilio's REST API (Calls, Calls/{Sid}, Queues, Queue Members).

A real HTTP server on 127.0.0.1 that the real twilio library talks to
(``TwilioTelephony(..., api_base_url=standin.base_url)``).  It checks Basic
auth and every request against Twilio's own OpenAPI description in
``tests/contracts/twilio_api_v2010_voice.json``, answers with bodies shaped
like the contract's response schemas, records every request, and can be
told to fail the next requests of an operation the ways Twilio fails:
"created, then 500" (``after_apply``), "500 with nothing created", a dropped
connection, or a 20429 storm for a while (``rate_limit_storm``).  Like Twilio
it reports call progress to each call's StatusCallback (``initiated`` when
the call is created, then ringing, answered, completed); the test delivers
those with ``deliver_status_callbacks``, so it decides when Twilio "sends".

    with TwilioStandIn(clock=clock) as twilio:
        twilio.fail_next("CreateCall", status=500, after_apply=True)
        ...
        assert twilio.requests_for("CreateCall")[0].form["To"] == ["+4930..."]
"""

from tests.twilio_standin.account import StandInCall, StatusCallback
from tests.twilio_standin.contract import CONTRACT, Contract
from tests.twilio_standin.server import ACCOUNT_SID, AUTH_TOKEN, RecordedRequest, TwilioStandIn

__all__ = [
    "ACCOUNT_SID",
    "AUTH_TOKEN",
    "CONTRACT",
    "Contract",
    "RecordedRequest",
    "StandInCall",
    "StatusCallback",
    "TwilioStandIn",
]
