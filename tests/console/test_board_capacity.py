"""Open live boards must not take the web process's capacity from Twilio.

The server is the Procfile's own ``web`` command (gunicorn gthread with its
threads), on the test's Redis and database.  Fifty boards hold their event
streams open the way the board's script does; meanwhile every round of the
hold loop must be answered within Twilio's timeout.
"""

from __future__ import annotations

import http.client
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import OWNER_TOKEN
from tests.console.board_load import free_port, open_boards, procfile_web, procfile_web_server
from tests.console.conftest import session_cookie
from tests.webhooks.conftest import BUSINESS, CALLER, SID

pytestmark = pytest.mark.slow

BOARDS = 50
TWILIO_TIMEOUT = 15.0  # seconds Twilio waits for a webhook's answer
PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "in-progress"}
ROUND = {**PARAMS, "QueueSid": "QU" + "0" * 32, "QueueTime": "5", "QueuePosition": "1"}


@pytest.fixture
def procfile_server(settings, tmp_path) -> Iterator[int]:
    """The Procfile's web process on a free port, on the test's Redis and database."""
    port = free_port()
    env = {
        "RINGBACK_DATA_DIR": str(settings.data_dir),
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.database_url,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "RINGBACK_API_TOKEN": OWNER_TOKEN,
        "SECRET_KEY": settings.secret_key,
    }
    with procfile_web_server(env, port, tmp_path):
        yield port


def hold_round(port: int, settings, path: str) -> tuple[int, bytes, float]:
    signature = RequestValidator(settings.webhook_auth_token).compute_signature(
        settings.public_base_url + path, ROUND)
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TWILIO_TIMEOUT)
    try:
        conn.request("POST", path, body=urlencode(ROUND), headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        conn.close()


def test_fifty_open_boards_do_not_starve_the_hold_loop(settings, client, owner_client,
                                                      owner_headers, procfile_server):
    port = procfile_server
    client.put(f"/api/v1/numbers/{BUSINESS}", json={"language": "en", "queue_id": "support"},
               headers=owner_headers)
    signature = RequestValidator(settings.webhook_auth_token).compute_signature(
        settings.public_base_url + "/twilio/voice/menu", PARAMS)
    answer = client.post("/twilio/voice/menu", data=PARAMS,
                         headers={"X-Twilio-Signature": signature})
    wait_url = urlsplit(ET.fromstring(answer.data).find("Enqueue").get("waitUrl"))  # type: ignore[union-attr]
    path = f"{wait_url.path}?{wait_url.query}"
    assert hold_round(port, settings, path)[0] == 200  # the server answers with no board open

    threads = int(procfile_web().split("--threads", 1)[1].split()[0])
    # Every thread of the web process is taken, if streams can take them.
    with open_boards(BOARDS, port, session_cookie(owner_client), answered=threads) as boards:
        for n in range(10):
            try:
                status, body, took = hold_round(port, settings, path)
            except TimeoutError:
                pytest.fail(f"hold round {n + 1} got no answer within Twilio's "
                            f"{TWILIO_TIMEOUT:.0f} s while {BOARDS} boards were open")
            assert status == 200 and b"<Response>" in body, body
            assert took < TWILIO_TIMEOUT
        assert all(b.is_alive() for b in boards)
        # Every board was answered too: a stream, or when to ask again.
        assert all(b.answered.wait(TWILIO_TIMEOUT) for b in boards)
