"""`ringback serve` heals: a part killed with SIGKILL is started again by itself."""

from __future__ import annotations

import re

import pytest
import redis

from ringback.embedded_redis import EmbeddedRedis
from ringback.supervisor import CRASH_LIMIT
from tests.serve_process import Serve, health, wait_for

pytestmark = pytest.mark.slow

RECOVERY_SECONDS = 30


def restarted(serve: Serve, name: str, old: int) -> int:
    """The new pid of ``name`` once serve started it again (serve itself still up)."""

    def probe() -> int | None:
        assert serve.proc is not None and serve.proc.poll() is None, \
            f"serve stopped when {name} died:\n{serve.log()[-3000:]}"
        pid = serve.part(name)
        return pid if pid and pid != old else None

    return wait_for(f"{name} started again", probe, RECOVERY_SECONDS)


@pytest.mark.parametrize("name", ["worker", "scheduler", "web"])
def test_serve_restarts_a_killed_part_and_logs_it(tmp_path, name):
    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        old = serve.kill_part(name)
        restarted(serve, name, old)
        serve.wait_healthy(RECOVERY_SECONDS)
        assert re.search(rf"{name} \(pid {old}\) was killed by SIGKILL; restarting it",
                         serve.log()), serve.log()[-3000:]
        assert serve.stop() == 0


def test_serve_restarts_a_killed_embedded_redis_from_its_aof(tmp_path):
    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        url = EmbeddedRedis(serve.data_dir).url
        redis.Redis.from_url(url).set("written before", "the kill")
        old = serve.kill_part("redis")
        restarted(serve, "redis", old)
        serve.wait_healthy(RECOVERY_SECONDS)
        assert redis.Redis.from_url(url).get("written before") == b"the kill"
        assert "embedded Redis was killed by SIGKILL" in serve.log()
        assert serve.stop() == 0


def test_serve_stops_when_a_part_keeps_dying(tmp_path):
    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        old = serve.kill_part("worker")
        for _ in range(CRASH_LIMIT - 1):
            old = restarted(serve, "worker", old)
            serve.kill_part("worker")
        assert serve.proc is not None
        assert serve.proc.wait(timeout=RECOVERY_SECONDS) == 1
        assert f"worker crashed {CRASH_LIMIT} times within 60 s; stopping ringback" in serve.log()
        assert health(serve.port) is None
