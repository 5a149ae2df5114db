"""A stalled Redis (the server stopped, its socket still open) must not hang a webhook
past Twilio's 15 s timeout: every Redis call has a read timeout well inside it, and a
caller on hold keeps holding meanwhile (issue 17, item 7)."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from urllib.parse import urlsplit

import pytest
from twilio.request_validator import RequestValidator

from ringback.app import create_app
from ringback.embedded_redis import EmbeddedRedis
from ringback.ivr.prompts import PromptKey, load_prompts
from ringback.redis_connection import connect
from tests.webhooks.conftest import BUSINESS, CALLER, SID

PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "in-progress"}
ROUND = {**PARAMS, "QueueSid": "QU" + "0" * 32, "QueueTime": "5", "QueuePosition": "1"}
# Twilio gives up on a webhook after 15 s; our answer must come well before.
ANSWER_WITHIN = 10.0


@pytest.fixture
def server(tmp_path) -> Iterator[EmbeddedRedis]:
    embedded = EmbeddedRedis(tmp_path / "stalling")
    embedded.start()
    try:
        yield embedded
    finally:
        if embedded.pid is not None:
            os.kill(embedded.pid, signal.SIGCONT)
        embedded.stop()


def test_with_redis_stalled_webhooks_answer_within_twilios_timeout_and_callers_keep_holding(
        settings, services, server, owner_headers, client):
    assert client.put(f"/api/v1/numbers/{BUSINESS}", json={"language": "de"},
                      headers=owner_headers).status_code == 201
    own = dataclasses.replace(services, redis=connect(server.url))  # as ringback connects
    app = create_app(settings, own)
    validator = RequestValidator(settings.webhook_auth_token)

    def post(path: str, params: dict[str, str]) -> tuple[float, int, bytes]:
        started = time.monotonic()
        signature = validator.compute_signature(settings.public_base_url + path, params)
        answer = app.test_client().post(path, data=params,
                                        headers={"X-Twilio-Signature": signature})
        return time.monotonic() - started, answer.status_code, answer.data

    _, status, menu = post("/twilio/voice/menu", {**PARAMS, "Digits": "1"})
    assert status == 200
    wait_url = urlsplit(ET.fromstring(menu).find("Enqueue").get("waitUrl"))  # type: ignore[union-attr]
    wait_path = f"{wait_url.path}?{wait_url.query}"
    assert b"<Play" in post(wait_path, ROUND)[2]  # a normal first round

    assert server.pid is not None
    os.kill(server.pid, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            rounds = [pool.submit(post, wait_path, ROUND) for _ in range(4)]
            menus = [pool.submit(post, "/twilio/voice/menu", {**PARAMS, "Digits": "1"})
                     for _ in range(2)]
            done, pending = wait([*rounds, *menus], timeout=ANSWER_WITHIN)
            assert not pending, (f"{len(pending)} of 6 webhooks had no answer after "
                                 f"{ANSWER_WITHIN} s with Redis stalled")
    finally:
        os.kill(server.pid, signal.SIGCONT)

    for future in rounds:
        seconds, status, body = future.result()
        verbs = [verb.tag for verb in ET.fromstring(body)]
        assert (status, verbs) == (200, ["Play"]), body  # hold music, no hang-up
        assert seconds < ANSWER_WITHIN
    sorry = load_prompts("de").text(PromptKey.SORRY)
    for future in menus:
        seconds, status, body = future.result()
        root = ET.fromstring(body)
        assert status == 200 and [v.tag for v in root] == ["Say", "Hangup"]
        assert root.find("Say").text == sorry  # type: ignore[union-attr]

    # Redis is back: the caller's entry was never lost, the next round reads it.
    seconds, status, body = post(wait_path, ROUND)
    assert status == 200 and b"<Play" in body
    assert own.queue.entry_for_call("default", SID) is not None
