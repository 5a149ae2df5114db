"""`ringback serve` as a user runs it: a real process tree, stopped by SIGTERM."""

import urllib.error
import urllib.request

import pytest
import redis

from ringback.embedded_redis import EmbeddedRedis
from tests.serve_process import Serve, alive, descendants, wait_for

pytestmark = pytest.mark.slow

TOKEN = "Zq3xSecretInvitationToken0123456789abcdef"


def test_serve_answers_health_stops_cleanly_and_keeps_what_was_written(tmp_path):
    with Serve(tmp_path / "data") as serve:
        health = serve.wait_healthy()
        assert health["status"] == "up", health
        tree = descendants(serve.pid)
        assert len(tree) >= 4  # redis-server, gunicorn, worker, scheduler (and their kids)
        redis.Redis.from_url(EmbeddedRedis(serve.data_dir).url).set("survives", "restart")
        assert serve.stop() == 0
        # Nothing serve started is left running (a killed leftover may take a moment).
        wait_for("every part stopped", lambda: not [pid for pid in tree if alive(pid)], 10)

    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        assert redis.Redis.from_url(EmbeddedRedis(serve.data_dir).url).get("survives") == \
            b"restart"


def get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_keeps_invitation_tokens_out_of_its_access_log(tmp_path):
    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        base = f"http://127.0.0.1:{serve.port}"
        get(f"{base}/console/invitations/{TOKEN}")
        get(f"{base}/console/login?next=%2Fconsole%2Finvitations%2F{TOKEN}",
            Referer=f"{base}/console/invitations/{TOKEN}")
        get(f"{base}/healthz?token={TOKEN}")

        # gunicorn writes a request's line once it has answered it.
        log = wait_for("the access log lines",
                       lambda: (text if (text := serve.log()).count("/healthz?token=") else None),
                       timeout=30)
        assert "GET /console/invitations/[redacted] HTTP/1.1" in log
        assert "GET /console/login?next=%2Fconsole%2Finvitations%2F[redacted] HTTP/1.1" in log
        assert f'"{base}/console/invitations/[redacted]"' in log  # the referer
        assert "GET /healthz?token=[redacted] HTTP/1.1" in log
        assert TOKEN not in log
