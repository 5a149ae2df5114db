"""Many open live boards against the web process as the Procfile runs it, for the
test and the benchmark that prove boards cannot starve Twilio's webhooks.

``procfile_web_server`` runs the Procfile's ``web`` command as a Procfile
runner does; each ``OpenBoard`` is a thread that behaves as the board's
script does (stream, and when told, wait and ask again).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]

_POLL = re.compile(rb"event: poll\ndata: (\{[^\n]*\})\n\n")
_SINCE = re.compile(rb'"since": (\{[^}]*\})')


class OpenBoard(threading.Thread):
    """One browser tab on the live board: its event stream, held open and reopened.

    ``answered`` is set once the server has answered the first stream, and
    ``streams`` counts the answers (a stream, or a poll answer that says when
    to ask again).
    """

    def __init__(self, host: str, port: int, cookie: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self._host, self._port, self._cookie, self._halt = host, port, cookie, stop
        self.answered = threading.Event()
        self.streams = 0
        self._since: bytes | None = None

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                delay = self._one_stream()
            except OSError:
                delay = 0.5
            if delay:
                self._halt.wait(delay)

    def _one_stream(self) -> float:
        path = "/console/live/events"
        if self._since:
            path += "?since=" + quote(self._since.decode())
        with socket.create_connection((self._host, self._port), timeout=1) as conn:
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {self._host}\r\n"
                         f"Accept: text/event-stream\r\nConnection: close\r\n"
                         f"Cookie: ringback_session={self._cookie}\r\n\r\n".encode())
            seen = b""
            while not self._halt.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                if not seen:
                    self.streams += 1
                    self.answered.set()
                seen += chunk
        for since in _SINCE.findall(seen):
            self._since = since
        poll = _POLL.search(seen)
        return float(json.loads(poll.group(1)).get("seconds", 1)) if poll else 0.0


def procfile_web() -> str:
    """The Procfile's ``web`` command, as shipped."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("the Procfile has no web process")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def procfile_web_server(env: dict[str, str], port: int, cwd: Path) -> Iterator[None]:
    """The Procfile's web process on 127.0.0.1:``port`` with ``env`` (ringback's settings),
    until it has answered /healthz; stopped (and waited for) when the block ends."""
    env = {**env, "PORT": str(port),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    command = procfile_web().replace("0.0.0.0", "127.0.0.1")
    process = subprocess.Popen(["sh", "-c", "exec " + command], env=env, cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(port, process)
        yield
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: streams may be open
        try:
            process.wait(3)  # open streams may hold it; nothing to keep
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web process exited")
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
    raise RuntimeError(f"the web process did not answer /healthz within {timeout} s")


@contextmanager
def open_boards(count: int, port: int, cookie: str, *, answered: int,
                timeout: float = 30) -> Iterator[list[OpenBoard]]:
    """``count`` boards open on the server, once at least ``answered`` of them got an answer."""
    stop = threading.Event()
    boards = [OpenBoard("127.0.0.1", port, cookie, stop) for _ in range(count)]
    try:
        for board in boards:
            board.start()
        deadline = time.monotonic() + timeout
        while sum(b.answered.is_set() for b in boards) < answered:
            if time.monotonic() > deadline:
                raise RuntimeError("the boards' streams were not answered")
            boards[0].answered.wait(0.1)
        yield boards
    finally:
        stop.set()
        for board in boards:
            board.join(5)
