"""The stand-in's HTTP server: auth, contract checks, programmed failures, records."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.twilio_standin.account import Account, StandInCall, StatusCallback, twilio_error
from tests.twilio_standin.contract import Contract

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "standin-auth-token"

# Parameters Twilio reports with their own error codes: when missing, when invalid.
_MISSING_CODES = {"To": 21201, "From": 21213}
_INVALID_CODES = {"To": 21211, "From": 21212, "Url": 21205}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in received it; form and query map names to all values."""

    method: str
    path: str
    operation: str | None
    form: dict[str, list[str]]
    query: dict[str, list[str]]
    status: int


@dataclass
class Failure:
    status: int
    code: int | None
    message: str
    after_apply: bool
    drop_connection: bool


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _SystemClock:
    def now(self) -> float:
        return time.time()


class TwilioStandIn:
    """Twilio's REST API on 127.0.0.1 for tests; see the package docstring."""

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        clock: Any = None,
        contract: Contract | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.contract = contract or Contract()
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self._account = Account(account_sid, clock or _SystemClock())
        self._failures: dict[str, deque[Failure]] = {}
        self._storms: dict[str, float] = {}
        self._lock = threading.RLock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> TwilioStandIn:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True, name="twilio-standin")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> TwilioStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- programming and inspection -----------------------------------------

    def fail_next(
        self,
        operation: str,
        *,
        status: int = 500,
        code: int | None = None,
        message: str = "",
        times: int = 1,
        after_apply: bool = False,
        drop_connection: bool = False,
    ) -> None:
        """Answer the next ``times`` valid requests of ``operation`` (an operationId such
        as CreateCall, UpdateCall, UpdateMember) with ``status`` and Twilio ``code``.

        ``after_apply`` carries the request out first (the call is created, the
        update made), as when Twilio fails after doing the work;
        ``drop_connection`` closes the connection without answering.
        """
        if code is None:
            code = 20429 if status == 429 else 20500 if status >= 500 else 20001
        failure = Failure(status, code, message or f"Stand-in failure {code}",
                          after_apply, drop_connection)
        with self._lock:
            self._failures.setdefault(operation, deque()).extend([failure] * times)

    def rate_limit_storm(self, operation: str, seconds: float) -> None:
        """Answer every request of ``operation`` with 429 / 20429 for ``seconds`` of the
        stand-in's clock, as Twilio does when an account exceeds its request rate."""
        with self._lock:
            self._storms[operation] = self._account.now() + seconds

    def pending_status_callbacks(self) -> list[StatusCallback]:
        """Status callbacks Twilio would have sent and the test has not delivered yet."""
        with self._lock:
            return list(self._account.outbox)

    def deliver_status_callbacks(self, send: Callable[[str, dict[str, str]], Any]) -> int:
        """Hand every pending status callback to ``send(url, params)``, oldest first, as
        Twilio POSTs them (a test passes a function that signs and posts them to the
        app); returns how many were sent."""
        with self._lock:
            pending, self._account.outbox = self._account.outbox, []
        for callback in pending:
            send(callback.url, callback.params)
        return len(pending)

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.operation == operation]

    @property
    def calls(self) -> list[StandInCall]:
        """Every call Twilio would know, oldest first."""
        with self._lock:
            return sorted(self._account.calls.values(), key=lambda c: c.created_at)

    def call(self, sid: str) -> StandInCall:
        with self._lock:
            return self._account.calls[sid]

    def add_call(self, *, to: str, from_: str, status: str = "in-progress",
                 direction: str = "inbound") -> str:
        """A call that did not come through the API, e.g. a caller waiting in <Enqueue>."""
        with self._lock:
            call = self._account.new_call(to, from_, direction)
            self._account.set_status(call, status)
            return call.sid

    def set_call_status(self, sid: str, status: str) -> None:
        with self._lock:
            self._account.set_status(self._account.calls[sid], status)

    def add_queue(self, friendly_name: str = "support", max_size: int = 100) -> str:
        with self._lock:
            return str(self._account.add_queue(friendly_name, max_size)["sid"])

    def enqueue(self, queue_sid: str, call_sid: str) -> None:
        with self._lock:
            self._account.queues[queue_sid]["members"].append((call_sid, self._account.now()))

    def queue_members(self, queue_sid: str) -> list[str]:
        with self._lock:
            return [sid for sid, _ in self._account.queues[queue_sid]["members"]]

    # -- HTTP ----------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self._lock:
            status, body, drop = self._handle(request)
            self.requests.append(RecordedRequest(
                request.method, request.path, self._op_id(request),
                {k: request.form.getlist(k) for k in request.form},
                {k: request.args.getlist(k) for k in request.args}, status))
        if drop:
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response(environ, start_response)

    def _op_id(self, request: Request) -> str | None:
        found = self.contract.operation(request.method, request.path)
        return found[0]["operationId"] if found else None

    def _handle(self, request: Request) -> tuple[int, Any, bool]:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (self.account_sid, self.auth_token):
            return 401, twilio_error(401, 20003, "Authenticate"), False
        found = self.contract.operation(request.method, request.path)
        if found is None:
            return 404, twilio_error(404, 20404, f"No resource at {request.path}"), False
        op, path_params = found
        op_id = op["operationId"]
        if path_params.get("AccountSid") != self.account_sid:
            return 404, twilio_error(404, 20404, "The requested resource was not found"), False
        broken = self.contract.check_request(op, path_params, request.args, request.form)
        if request.method == "POST" and request.mimetype != "application/x-www-form-urlencoded":
            broken.append(("Content-Type", "must be application/x-www-form-urlencoded"))
        if broken:
            self.violations += [f"{op_id}: {name} {rule}" for name, rule in broken]
            name, rule = broken[0]
            codes = _MISSING_CODES if rule == "is required" else _INVALID_CODES
            return 400, twilio_error(400, codes.get(name, 20001),
                               f"Invalid parameter '{name}': {rule}"), False
        handler = getattr(self._account, f"op_{op_id}", None)
        if handler is None:
            return 501, twilio_error(501, 20001, f"The stand-in does not implement {op_id}"), False
        queue = self._failures.get(op_id)
        failure = queue.popleft() if queue else None
        if failure is None and self._account.now() < self._storms.get(op_id, 0.0):
            failure = Failure(429, 20429, "Too Many Requests", False, False)
        if failure is not None and not failure.after_apply:
            return failure.status, twilio_error(failure.status, failure.code, failure.message), \
                failure.drop_connection
        status, body = handler(path_params, request.args, request.form)
        if status < 400:
            self.violations += [f"{op_id} answer: {v}"
                                for v in self.contract.check_response(op, status, body)]
        if failure is not None:
            return failure.status, twilio_error(failure.status, failure.code, failure.message), \
                failure.drop_connection
        return status, body, False
