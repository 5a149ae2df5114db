"""Open live boards against a real server: each is a thread that behaves as the
board's script does (stream, and when told, wait and ask again), for tests that
need many boards open at once."""

from __future__ import annotations

import json
import re
import socket
import threading
from urllib.parse import quote

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
