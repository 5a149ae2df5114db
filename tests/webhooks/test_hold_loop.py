"""The hold loop's route is answered in front of Flask, exactly as Flask would.

``seen`` records every request that reaches Flask (an app-level
``before_request``), so each test can tell which side answered.
"""

from __future__ import annotations

import dataclasses
import logging
import xml.etree.ElementTree as ET
from urllib.parse import urlencode, urlsplit

import pytest
from flask import request
from twilio.request_validator import RequestValidator

from ringback.ivr.prompts import PromptKey, load_prompts
from tests.webhooks.conftest import BUSINESS, CALLER, SID

PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "in-progress"}
ROUND = {**PARAMS, "QueueSid": "QU" + "0" * 32, "QueueTime": "5", "QueuePosition": "1"}


@pytest.fixture
def seen(app) -> list[str]:
    paths: list[str] = []
    app.before_request(lambda: paths.append(request.path))
    return paths


@pytest.fixture
def wait_path(seen, signed, number) -> str:
    """Configure the number, put the caller in the queue and return its waitUrl path."""
    number(language="en")
    answer = signed("/twilio/voice/menu", PARAMS)
    wait_url = ET.fromstring(answer.data).find("Enqueue").get("waitUrl")  # type: ignore[union-attr]
    parts = urlsplit(wait_url)
    assert parts.path == "/twilio/voice/wait" and "entry=" in parts.query
    seen.clear()
    return f"{parts.path}?{parts.query}"


def post(client, settings, path: str, body: str, *, params: dict[str, str] | list,
         content_type: str = "application/x-www-form-urlencoded", signature: str | None = None):
    """POST ``body`` as it is, signed for ``params`` unless ``signature`` is given."""
    if signature is None:
        signature = RequestValidator(settings.webhook_auth_token).compute_signature(
            settings.public_base_url + path, params)
    return client.post(path, data=body, content_type=content_type,
                       headers={"X-Twilio-Signature": signature})


def test_a_hold_round_is_answered_before_flask_with_the_same_twiml(client, settings, seen,
                                                                  wait_path):
    fast = post(client, settings, wait_path, urlencode(ROUND), params=ROUND)
    assert fast.status_code == 200
    assert fast.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert int(fast.headers["Content-Length"]) == len(fast.data)
    assert seen == []
    assert b"You are next" in fast.data  # the first round announces the position

    # A repeated parameter is left to Flask's form parser; the next round (no
    # announcement now) is the same document from either side.
    repeated = [*ROUND.items(), ("QueueTime", "5")]
    slow = post(client, settings, wait_path, urlencode(repeated), params=ROUND)
    assert seen == ["/twilio/voice/wait"]
    assert slow.status_code == 200
    assert b"You are next" not in slow.data
    again = post(client, settings, wait_path, urlencode(ROUND), params=ROUND)
    assert seen == ["/twilio/voice/wait"]
    assert again.data == slow.data


def test_a_forged_hold_round_reaches_flask_and_is_refused(client, settings, seen, wait_path):
    forged = post(client, settings, wait_path, urlencode({**ROUND, "From": "+4915199999999"}),
                  params=ROUND)
    assert forged.status_code == 403
    unsigned = post(client, settings, wait_path, urlencode(ROUND), params=ROUND, signature="")
    assert unsigned.status_code == 403
    assert seen == ["/twilio/voice/wait"] * 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"CallSid": "x"}', "application/json"),
        ("", "application/x-www-form-urlencoded"),
        ("From=%2B49151&To=" + "9" * 20_000, "application/x-www-form-urlencoded"),
        ("&".join(f"p{i}=1" for i in range(150)), "application/x-www-form-urlencoded"),
    ],
    ids=["json", "empty", "too-large", "too-many-fields"],
)
def test_unusual_bodies_are_left_to_flask(client, settings, seen, wait_path,
                                                       body, content_type):
    answer = post(client, settings, wait_path, body, params={}, content_type=content_type,
                  signature="not-it")
    assert answer.status_code == 403
    assert seen == ["/twilio/voice/wait"]


def test_a_hold_round_without_a_call_sid_hears_the_apology(client, settings, seen, wait_path,
                                                           caplog):
    params = {key: value for key, value in ROUND.items() if key != "CallSid"}
    with caplog.at_level(logging.WARNING, logger="ringback.webhooks"):
        answer = post(client, settings, wait_path, urlencode(params), params=params)
    assert seen == []
    assert answer.status_code == 200
    root = ET.fromstring(answer.data)
    assert [verb.tag for verb in root] == ["Say", "Hangup"]
    assert root.find("Say").text == load_prompts("en").text(PromptKey.SORRY)  # type: ignore[union-attr]
    assert any("CallSid" in record.getMessage() for record in caplog.records)


def test_other_methods_and_paths_are_flasks(client, seen, wait_path):
    assert client.get(wait_path).status_code == 405
    assert client.post("/twilio/voice/waiting", data=PARAMS).status_code == 404
    assert seen == ["/twilio/voice/wait", "/twilio/voice/waiting"]


def test_the_hold_loop_follows_a_new_account_default_language_without_a_restart(
        client, settings, services, seen, signed, number):
    """The cached hold round is per language: after an admin changes the account's
    default (in another process), waiting callers of a number without a language of
    its own hear the next round in the new language (issue 16, item 7)."""
    number(language=None)
    enqueue = ET.fromstring(signed("/twilio/voice/menu", PARAMS).data).find("Enqueue")
    parts = urlsplit(enqueue.get("waitUrl"))  # type: ignore[union-attr]
    path = f"{parts.path}?{parts.query}"
    seen.clear()

    def offer_said() -> list[str]:
        answer = post(client, settings, path, urlencode(ROUND), params=ROUND)
        assert answer.status_code == 200
        gather = ET.fromstring(answer.data).find("Gather")
        assert gather is not None
        return [say.text or "" for say in gather.iter("Say")]

    offer_said()  # the first round announces the position
    english = load_prompts("en").text(PromptKey.CALLBACK_OFFER)
    assert offer_said() == [english] and offer_said() == [english]

    console = dataclasses.replace(services)  # the console's process: its own directory
    assert console.numbers.set_default_language("de")

    assert offer_said() == [load_prompts("de").text(PromptKey.CALLBACK_OFFER)]
    assert seen == []  # every round answered by the hold loop's path
