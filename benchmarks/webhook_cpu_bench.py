"""CPU per hold round, in one process: where ``webhook_bench.py``'s time goes.

    python benchmarks/webhook_cpu_bench.py

Calls the WSGI apps directly, without a server or a client, so what is
measured is the app's own work per request (plus the Redis round trip):

- the hold round as Twilio sends it, answered by ``HoldLoopPath``;
- the same round with one parameter repeated, which ``HoldLoopPath`` leaves
  to Flask: the blueprint's route, Flask's request context and form parser;
- the bare Flask app of ``webhook_bench.py``.

Each figure is the best of 7 runs of 1500 requests. Rounds without an
announcement are the ones measured (an announcement is due once a minute).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from webhook_bench import (
    BARE_APP,
    BUSINESS,
    PUBLIC,
    SECRET,
    call_params,
    redis_url,
    signed_post,
)

RUNS = 7
REQUESTS = 1500
TOKEN = "bench-owner-token-0123456789"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(path: str, body: bytes, signature: str) -> dict[str, Any]:
    path_info, _, query = path.partition("?")
    return {"REQUEST_METHOD": "POST", "PATH_INFO": path_info, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_X_TWILIO_SIGNATURE": signature, "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "wsgi.version": (1, 0)}


def microseconds_per_request(app: WSGIApp, path: str, body: bytes, signature: str,
                             expect: bytes) -> float:
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        statuses.append(status)

    answer = b"".join(app(environ(path, body, signature), start_response))
    assert statuses[-1].startswith("200") and expect in answer, (statuses[-1], answer[:300])
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(REQUESTS):
            b"".join(app(environ(path, body, signature), start_response))
        best = min(best, (time.perf_counter() - start) / REQUESTS)
    return best * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, redis_url(Path(tmp)) as url:
        folder = Path(tmp)
        os.environ.update({
            "RINGBACK_DATA_DIR": str(folder / "data"), "REDIS_URL": url,
            "DATABASE_URL": f"sqlite:///{folder / 'ringback.sqlite3'}",
            "PUBLIC_BASE_URL": PUBLIC, "SECRET_KEY": SECRET, "RINGBACK_API_TOKEN": TOKEN})
        for name in ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"):
            os.environ.pop(name, None)
        from ringback.store.migrate import upgrade
        from ringback.wsgi import app_from_env

        upgrade(os.environ["DATABASE_URL"])
        app = app_from_env()
        client = app.test_client()
        created = client.put(f"/api/v1/numbers/{BUSINESS}", headers={
            "Authorization": f"Bearer {TOKEN}"},
            json={"queue_id": "support", "language": "en", "max_wait_seconds": 86400})
        assert created.status_code in (200, 201), created.data
        for path in ("/twilio/voice", "/twilio/voice/menu"):
            body, headers = signed_post(PUBLIC + path, call_params())
            answer = client.post(path, data=body, headers=headers).data
        wait_url = ET.fromstring(answer).find("Enqueue").get("waitUrl")  # type: ignore[union-attr]
        path = wait_url[len(PUBLIC):]
        params = call_params(QueueSid="QU" + "0" * 32, QueueTime="10", QueuePosition="1",
                             CurrentQueueSize="1", AvgQueueTime="0")
        body, headers = signed_post(wait_url, params)
        signature = headers["X-Twilio-Signature"]
        client.post(path, data=body, headers=headers)  # the first round announces
        repeated = urllib.parse.urlencode([*params.items(), ("QueueTime", "10")]).encode()

        bare = ModuleType("bare_app")
        exec(BARE_APP, bare.__dict__)
        hold = b"<Play"
        ours = microseconds_per_request(app, path, body, signature, hold)
        flask = microseconds_per_request(app, path, repeated, signature, hold)
        plain = microseconds_per_request(bare.app, path, body, signature, hold)
        print(f"hold round CPU per request, best of {RUNS} x {REQUESTS}, in one process:")
        print(f"  answered in front of Flask (HoldLoopPath): {ours:7.1f} us")
        print(f"  through Flask's routing and form parser:    {flask:7.1f} us")
        print(f"  bare Flask app:                             {plain:7.1f} us")
        print(f"hold loop us: {ours:.0f}; through Flask us: {flask:.0f}; "
              f"bare Flask us: {plain:.0f}")


if __name__ == "__main__":
    main()
