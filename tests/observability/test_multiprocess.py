"""Multiprocess mode: a real gunicorn with two workers, and ``ringback serve``.

Each process writes its counters to files in ``PROMETHEUS_MULTIPROC_DIR``;
a scrape answered by either worker sums them all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from tests.observability.conftest import samples, value
from tests.serve_process import Serve, free_port, health, wait_for

INCOMING = "/twilio/voice"


def post_unsigned(port: int) -> int:
    """A webhook without a signature: refused (403), and timed like every webhook."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{INCOMING}", data=b"CallSid=x",
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def scrape(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        return samples(answer.read().decode())


def writers(folder: Path) -> set[str]:
    """The pids whose histogram values are in the folder."""
    return {p.stem.rpartition("_")[2] for p in folder.glob("histogram_*.db")}


def test_two_gunicorn_workers_count_into_one_sum(tmp_path, redis_client, redis_url,
                                                  database_url):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        "RINGBACK_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-0123456789",
        "PUBLIC_BASE_URL": "https://ringback.example.com",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--worker-class", "gthread", "--threads", "4", "ringback.wsgi:app_from_env()"],
            env=env, stdout=out, stderr=out)
    try:
        wait_for("gunicorn answering", lambda: health(port) is not None, 60)
        sent = 0
        lock = threading.Lock()

        def burst() -> None:
            nonlocal sent
            for _ in range(20):
                assert post_unsigned(port) == 403
                with lock:
                    sent += 1

        def both_workers_counted() -> bool:
            threads = [threading.Thread(target=burst) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            return len(writers(folder)) == 2

        wait_for("both workers answering webhooks", both_workers_counted, 120, every=0)
        counted = [value(scrape(port), "ringback_webhook_seconds_count",
                         route="twilio_incoming") for _ in range(4)]
        assert counted == [sent] * 4, log.read_text()[-2000:]
    finally:
        proc.terminate()
        proc.wait(30)


def test_serve_gives_its_parts_a_fresh_folder_and_sums_them(tmp_path):
    data = tmp_path / "data"
    stale = data / "prometheus" / "counter_999999.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an earlier run's counts")
    with Serve(data) as serve:
        serve.wait_healthy()
        assert not stale.exists()
        assert post_unsigned(serve.port) == 403
        found = scrape(serve.port)
        assert value(found, "ringback_webhook_seconds_count", route="twilio_incoming") == 1
        assert value(found, "ringback_live_state_up") == 1
        # The web worker counted into serve's folder: multiprocess mode.
        assert len(writers(data / "prometheus")) == 1
