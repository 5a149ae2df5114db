"""Open live boards must not take the web process's capacity from Twilio.

The server is the Procfile's own ``web`` command (gunicorn gthread with its
threads), on the test's Redis and database.  Fifty boards hold their event
streams open the way the board's script does; meanwhile every round of the
hold loop must be answered within Twilio's timeout.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import OWNER_TOKEN
from tests.console.board_load import OpenBoard
from tests.console.conftest import session_cookie
from tests.webhooks.conftest import BUSINESS, CALLER, SID

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BOARDS = 50
TWILIO_TIMEOUT = 15.0  # seconds Twilio waits for a webhook's answer
PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "in-progress"}
ROUND = {**PARAMS, "QueueSid": "QU" + "0" * 32, "QueueTime": "5", "QueuePosition": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("the Procfile has no web process")


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):  # 503: no worker or scheduler here
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.2)  # polling for the server to come up, not synchronising
    raise AssertionError(f"gunicorn did not answer /healthz within {timeout} s")


@pytest.fixture
def procfile_server(settings, tmp_path) -> Iterator[int]:
    """The Procfile's web process on a free port, as a Procfile runner starts it."""
    port = free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "PORT": str(port),
        "RINGBACK_DATA_DIR": str(settings.data_dir),
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.database_url,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "RINGBACK_API_TOKEN": OWNER_TOKEN,
        "SECRET_KEY": settings.secret_key,
    }
    command = procfile_web().replace("0.0.0.0", "127.0.0.1")
    process = subprocess.Popen(["sh", "-c", "exec " + command], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port, process)
        yield port
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: streams may be open
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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

    stop = threading.Event()
    boards = [OpenBoard("127.0.0.1", port, session_cookie(owner_client), stop)
              for _ in range(BOARDS)]
    try:
        for board in boards:
            board.start()
        # Every thread of the web process is taken if streams can take them.
        deadline = time.monotonic() + 30
        while sum(b.answered.is_set() for b in boards) < 8:
            assert time.monotonic() < deadline, "the boards' streams were not answered"
            boards[0].answered.wait(0.1)

        for n in range(10):
            try:
                status, body, took = hold_round(port, settings, path)
            except TimeoutError:
                pytest.fail(f"hold round {n + 1} got no answer within Twilio's "
                            f"{TWILIO_TIMEOUT:.0f} s while {BOARDS} boards were open")
            assert status == 200 and b"<Response>" in body, body
            assert took < TWILIO_TIMEOUT
        assert all(b.is_alive() for b in boards)
    finally:
        stop.set()
        for board in boards:
            board.join(5)
