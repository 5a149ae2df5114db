"""A running `ringback serve` for tests: start it, find its parts, wait on them.

Every wait polls a real condition (a /healthz answer, /proc, a log line)
against a deadline, so a slow, loaded machine only makes it slower.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(int(entry))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_for(what: str, probe: Callable[[], T | None], timeout: float,
             every: float = 0.2) -> T:
    """Poll ``probe`` until it returns something truthy, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def health(port: int) -> tuple[int, dict] | None:
    """(status code, body) of /healthz, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:  # 503 while a part is down
        return exc.code, json.load(exc)
    except (OSError, ValueError):
        return None


class Serve:
    """One `ringback serve` process with its own data folder, port and log file."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self._env = {
            "PATH": os.environ["PATH"],
            "RINGBACK_DATA_DIR": str(data_dir),
            "RINGBACK_PORT": str(self.port),
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Serve:
        with open(self.log_path, "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen([sys.executable, "-m", "ringback", "serve"],
                                         env=self._env, stdout=log, stderr=log)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 60) -> dict:
        def probe() -> dict | None:
            assert self.proc is not None and self.proc.poll() is None, \
                f"serve exited early:\n{self.log()[-3000:]}"
            answer = health(self.port)
            return answer[1] if answer and answer[0] == 200 else None
        return wait_for("a healthy /healthz", probe, timeout)

    def part(self, name: str) -> int | None:
        """The pid of one live part: web (the gunicorn master), worker, scheduler, redis."""
        marks = {"web": "-m gunicorn", "worker": "ringback worker",
                 "scheduler": "ringback scheduler", "redis": "redis-server"}
        for pid in descendants(self.pid):
            fields = _stat(pid)
            if fields and fields[1] == str(self.pid) and alive(pid) and \
                    marks[name] in cmdline(pid):
                return pid  # a child of serve itself, not one of a part's own children
        return None

    def wait_part(self, name: str, *, other_than: int | None = None,
                  timeout: float = 30) -> int:
        return wait_for(f"a running {name}",
                        lambda: (p if (p := self.part(name)) and p != other_than else None),
                        timeout)

    def kill_part(self, name: str) -> int:
        pid = self.wait_part(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def __enter__(self) -> Serve:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
