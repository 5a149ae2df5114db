"""What `ringback serve` says at start-up, and `ringback call` finding it from another shell."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.serve_process import Serve, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    with Serve(tmp_path_factory.mktemp("serve") / "data") as running:
        running.wait_healthy()
        yield running


def another_shell(serve: Serve, **env: str) -> dict[str, str]:
    """A second terminal: the same data folder, none of serve's RINGBACK_PORT."""
    return {"PATH": os.environ["PATH"], "RINGBACK_DATA_DIR": str(serve.data_dir),
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
            **env}


def ringback_call(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringback", "call", "--to", "+14155550123", "--keys", "",
         *extra], env=env, capture_output=True, text=True, timeout=60)


def test_startup_output_is_one_block_that_says_where_to_go(serve):
    log = wait_for("serve's start-up output", lambda: (text if "listening" in (
        text := serve.log()) or "ringback call" in text else None), 30)
    assert "alembic" not in log.lower()
    assert f"Console:  http://127.0.0.1:{serve.port}/console/" in log
    assert f"Open http://127.0.0.1:{serve.port}/console/setup" in log
    assert f"setup code from {serve.data_dir / 'owner-setup-code'}" in log
    assert "calls go to the built-in simulator" in log
    assert "It plays each callback's call: answered after 3 s" in log
    assert (serve.data_dir / "owner-setup-code").read_text().strip()  # the file named exists
    assert "ringback call --to" in log


def test_ringback_call_uses_the_port_of_the_running_serve(serve):
    done = ringback_call(another_shell(serve))
    assert f"via http://127.0.0.1:{serve.port} " in done.stdout, (done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
    assert "[hangup]" in done.stdout


def test_ringback_call_takes_url(serve):
    wrong = another_shell(serve, RINGBACK_PORT="9")  # would reach nothing
    done = ringback_call(wrong, "--url", f"http://127.0.0.1:{serve.port}")
    assert f"via http://127.0.0.1:{serve.port} " in done.stdout, (done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
