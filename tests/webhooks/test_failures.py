"""Whatever goes wrong, Twilio gets valid TwiML with status 200, never a 500."""

from __future__ import annotations

import dataclasses
import logging
import xml.etree.ElementTree as ET

import pytest
import redis
from twilio.request_validator import RequestValidator

from ringback.app import create_app
from ringback.callbacks.service import entry_ref
from ringback.calls.index import CallIndex
from ringback.embedded_redis import EmbeddedRedis
from ringback.ivr.prompts import PromptKey, load_prompts
from ringback.redis_keys import AgentKeys, queue_keys
from ringback.scheduler.deadlines import DeadlineKind
from tests.webhooks.conftest import BUSINESS, CALLER, SID

PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS}


def twiml_of(response) -> list[tuple[str, str]]:
    """(verb, text) of a TwiML answer; fails unless it is a 200 <Response>."""
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return [(verb.tag, (verb.text or "").strip()) for verb in root]


def sorry(language: str = "en") -> list[tuple[str, str]]:
    return [("Say", load_prompts(language).text(PromptKey.SORRY)), ("Hangup", "")]


@pytest.fixture
def broken_redis(tmp_path):
    """A Redis of our own that the test can take away."""
    server = EmbeddedRedis(tmp_path / "doomed-redis")
    server.start()
    client = redis.Redis.from_url(server.url)
    try:
        yield server, client
    finally:
        client.close()
        server.stop()


def test_with_redis_down_callers_hear_an_apology_in_the_numbers_language_or_keep_holding(
    settings, services, client, owner_headers, broken_redis, caplog
):
    server, doomed = broken_redis
    own = dataclasses.replace(services, redis=doomed)
    app = create_app(settings, own)
    assert client.put(f"/api/v1/numbers/{BUSINESS}", json={"language": "de"},
                      headers=owner_headers).status_code == 201
    doomed_client = app.test_client()

    def post(path: str, params: dict[str, str]):
        url = settings.public_base_url + path
        signature = RequestValidator(settings.webhook_auth_token).compute_signature(url, params)
        return doomed_client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    welcome = twiml_of(post("/twilio/voice", PARAMS))
    assert welcome[0] == ("Say", load_prompts("de").text(PromptKey.WELCOME))
    server.stop()

    with caplog.at_level(logging.ERROR, logger="ringback.webhooks"):
        for path in ("/twilio/voice/menu", "/twilio/voice/callback/choice?queue=default"):
            assert twiml_of(post(path, {**PARAMS, "Digits": "1"})) == sorry("de")
        assert twiml_of(post("/twilio/status", {**PARAMS, "CallStatus": "completed"})) == \
            sorry("de")
        # A caller on hold keeps holding (the next round tries Redis again), until the
        # number's max wait by Twilio's QueueTime.
        hold = twiml_of(post("/twilio/voice/wait?queue=default", {**PARAMS, "QueueTime": "60"}))
        assert [verb for verb, _ in hold] == ["Play"]
        assert twiml_of(post("/twilio/voice/wait?queue=default",
                             {**PARAMS, "QueueTime": "86400"})) == sorry("de")
    failures = [r for r in caplog.records if "failed for call" in r.getMessage()]
    assert len(failures) == 3
    assert SID in failures[0].getMessage()
    unreachable = [r for r in caplog.records if "Redis is out of reach" in r.getMessage()]
    assert len(unreachable) == 2


def test_a_request_without_a_call_sid_hears_an_apology(signed, number):
    number()
    assert twiml_of(signed("/twilio/voice", {"From": CALLER, "To": BUSINESS})) == sorry()
    assert twiml_of(signed("/twilio/voice/menu", {"CallSid": "CA{x}", "To": BUSINESS})) == \
        sorry()


def test_missing_from_and_to_reach_the_unknown_number_message(signed, number):
    number()
    answer = twiml_of(signed("/twilio/voice", {"CallSid": SID}))
    assert answer == [("Say", load_prompts("en").text(PromptKey.UNKNOWN_NUMBER)), ("Hangup", "")]


@pytest.mark.parametrize("digits", ["", "x", "12345678901234567890" * 5, "1' OR 1=1", "\u00e9"])
def test_garbage_digits_reprompt_instead_of_failing(signed, number, services, digits):
    number(menu=[{"digit": "1", "action": "queue"}], greetings={"menu": {"text": "Press 1."}})
    answer = twiml_of(signed("/twilio/voice/menu", {**PARAMS, "Digits": digits}))
    assert answer[0][0] == "Say"
    assert answer[0][1] in (load_prompts("en").text(PromptKey.MENU_INVALID),
                            load_prompts("en").text(PromptKey.MENU_NO_INPUT))
    assert services.queue.size("default") == 0
    for path in ("/twilio/voice/callback/number?queue=default",
                 "/twilio/voice/callback/confirm?queue=default&number=%2B4930",
                 "/twilio/voice/callback/choice?queue=default",
                 "/twilio/voice/queue-exit?queue=default"):
        verbs = [verb for verb, _ in twiml_of(signed(path, {**PARAMS, "Digits": digits,
                                                            "QueueResult": digits}))]
        assert verbs[0] == "Say", (path, verbs)


def test_a_status_callback_for_an_unknown_call_is_an_empty_response(signed):
    answer = twiml_of(signed("/twilio/status", {**PARAMS, "CallStatus": "completed"}))
    assert answer == []


def test_routing_errors_stay_404_and_405(client):
    assert client.get("/twilio/voice").status_code == 405
    assert client.post("/twilio/nothing-here").status_code == 404


def test_a_routing_error_after_the_join_leaves_the_caller_waiting_in_the_queue(
        signed, number, services, redis_client, caplog):
    """The join stands on its own (issue 16, item 8): when routing right after it
    fails (here a corrupted agent record makes claiming the agent fail), the
    caller still hears the queue, not an apology that hangs up on an entry left behind."""
    number()
    keys = queue_keys("default")
    # An available agent whose presence key is not a hash: claiming it raises.
    redis_client.set(AgentKeys("ghost").presence, "not a hash")
    redis_client.zadd(keys.available, {"ghost": 1})

    with caplog.at_level(logging.ERROR, logger="ringback.calls"):
        answer = signed("/twilio/voice/menu", {**PARAMS, "Digits": "1"})

    assert [verb for verb, _ in twiml_of(answer)] == ["Enqueue"]
    entry = services.queue.entry_for_call("default", SID)
    assert entry is not None
    assert CallIndex(redis_client).get(SID).entry_id == entry.entry_id
    assert services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT,
                                     entry_ref("default", entry.entry_id)) is not None
    assert any("routing" in r.getMessage() for r in caplog.records)
    # A repeated request (Twilio retries) is the same join, and still no apology.
    again = signed("/twilio/voice/menu", {**PARAMS, "Digits": "1"})
    assert [verb for verb, _ in twiml_of(again)] == ["Enqueue"]
    assert services.queue.size("default") == 1
