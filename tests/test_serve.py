"""`ringback serve` as a user runs it: a real process tree, stopped by SIGTERM."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import redis

from ringback.embedded_redis import EmbeddedRedis

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return json.load(r)
        except urllib.error.HTTPError as exc:  # 503 while a part is still starting
            last = json.load(exc)
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no healthy answer within {timeout}s: {last}")


def start_serve(data_dir, port):
    env = {
        "PATH": os.environ["PATH"],
        "RINGBACK_DATA_DIR": str(data_dir),
        "RINGBACK_PORT": str(port),
    }
    return subprocess.Popen([sys.executable, "-m", "ringback", "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_serve_answers_health_stops_cleanly_and_keeps_what_was_written(tmp_path):
    port = free_port()
    proc = start_serve(tmp_path, port)
    try:
        health = wait_healthy(port, proc)
        assert health["status"] == "up", health
        tree = descendants(proc.pid)
        assert len(tree) >= 4  # redis-server, gunicorn, worker, scheduler (and their kids)
        redis.Redis.from_url(EmbeddedRedis(tmp_path).url).set("survives", "restart")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        time.sleep(0.2)
        assert [pid for pid in tree if alive(pid)] == []
    finally:
        if proc.poll() is None:
            proc.kill()

    port = free_port()
    proc = start_serve(tmp_path, port)
    try:
        wait_healthy(port, proc)
        assert redis.Redis.from_url(EmbeddedRedis(tmp_path).url).get("survives") == b"restart"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
