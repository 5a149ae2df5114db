"""A helpdesk stand-in on 127.0.0.1: real HTTP, every request recorded, answers programmed."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class HelpdeskStandIn:
    def __init__(self, default: tuple[int, str] = (500, "no answer programmed")) -> None:
        self.seen: list[Seen] = []
        self._default = default  # the answer when none is programmed
        self._answers: deque[tuple[int, str, threading.Event | None]] = deque()
        # Threaded: a held answer must not keep the next request waiting.
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True,
                                   request_handler=_Quiet)
        self._holds: list[threading.Event] = []
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)
        self._thread.start()

    def answer(self, status: int, body: str, *, hold: threading.Event | None = None) -> None:
        """The next answer; with ``hold``, given only once that event is set (a helpdesk
        that is slow while the test kills the client)."""
        self._answers.append((status, body, hold))
        if hold is not None:
            self._holds.append(hold)

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.seen.append(Seen(request.method, request.path,
                              request.query_string.decode(), dict(request.headers),
                              request.get_data()))
        status, body, hold = self._answers.popleft() if self._answers \
            else (*self._default, None)
        if hold is not None:
            hold.wait(30)
        return Response(body, status=status, content_type="application/json")(
            environ, start_response)

    def close(self) -> None:
        for hold in self._holds:
            hold.set()
        self._server.shutdown()
        self._server.server_close()
