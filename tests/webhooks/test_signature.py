"""Every webhook is signature-checked against PUBLIC_BASE_URL plus the path."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from tests.webhooks.conftest import BUSINESS, CALLER, SID

PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "ringing"}


def test_a_request_signed_by_twilios_validator_passes_and_a_changed_parameter_fails(
    client, settings, number
):
    number()
    url = settings.public_base_url + "/twilio/voice"
    signature = RequestValidator(settings.webhook_auth_token).compute_signature(url, PARAMS)
    headers = {"X-Twilio-Signature": signature}

    good = client.post("/twilio/voice", data=PARAMS, headers=headers)
    assert good.status_code == 200
    assert good.mimetype == "text/xml"
    assert b"<Say" in good.data

    forged = client.post("/twilio/voice", data={**PARAMS, "From": "+4915199999999"},
                         headers=headers)
    assert forged.status_code == 403


def test_a_missing_signature_is_403(client, number):
    number()
    assert client.post("/twilio/voice", data=PARAMS).status_code == 403
    assert client.post("/twilio/status", data=PARAMS).status_code == 403


@pytest.mark.parametrize(
    ("signed_url", "token"),
    [
        ("http://localhost/twilio/voice", None),  # what a proxy hands the app
        ("https://ringback.example.com/twilio/voice", "another-auth-token-0123"),
        ("https://ringback.example.com/twilio/voice/menu", None),  # another route
    ],
)
def test_a_signature_for_another_url_or_token_is_403(client, settings, signed_url, token):
    signer = RequestValidator(token or settings.webhook_auth_token)
    headers = {"X-Twilio-Signature": signer.compute_signature(signed_url, PARAMS)}
    assert client.post("/twilio/voice", data=PARAMS, headers=headers).status_code == 403


def test_the_signed_query_string_cannot_be_changed(client, settings, signed, number):
    number()
    url = settings.public_base_url + "/twilio/voice/wait?queue=default"
    headers = {"X-Twilio-Signature": RequestValidator(settings.webhook_auth_token)
               .compute_signature(url, PARAMS)}
    assert client.post("/twilio/voice/wait?queue=default", data=PARAMS,
                       headers=headers).status_code == 200
    assert client.post("/twilio/voice/wait?queue=vip", data=PARAMS,
                       headers=headers).status_code == 403
