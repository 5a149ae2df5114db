"""A local stand-in for Twilio's REST API (Calls, Calls/{Sid}, Queues, Queue Members).

A real HTTP server on 127.0.0.1 that the real twilio library talks to
(``TwilioTelephony(..., api_base_url=standin.base_url)``).  It checks Basic
auth and every request against Twilio's own OpenAPI description in
``tests/contracts/twilio_api_v2010_voice.json``, answers with bodies shaped
like the contract's response schemas, records every request, and can be
told to fail the next requests of an operation the ways Twilio fails.

    with TwilioStandIn(clock=clock) as twilio:
        twilio.fail_next("CreateCall", status=500, after_apply=True)
        ...
        assert twilio.requests_for("CreateCall")[0].form["To"] == ["+4930..."]
"""

from __future__ import annotations

import functools
import json
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from werkzeug.datastructures import MultiDict
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CONTRACT = Path(__file__).parent / "contracts" / "twilio_api_v2010_voice.json"
ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "standin-auth-token"

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_ENDPOINT = re.compile(r"^(\+[1-9][0-9]{1,14}|client:[A-Za-z0-9_.@-]+|sip:\S+@\S+)$")
_FINAL = {"completed", "busy", "failed", "no-answer", "canceled"}
# Parameters Twilio reports with their own error codes: when missing, when invalid.
_MISSING_CODES = {"To": 21201, "From": 21213}
_INVALID_CODES = {"To": 21211, "From": 21212, "Url": 21205}


class Contract:
    """Twilio's OpenAPI description: finds a request's operation and checks it."""

    def __init__(self, path: Path = CONTRACT) -> None:
        self.spec = _load(path)
        self._routes: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for template, item in self.spec["paths"].items():
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            for method in ("get", "post", "delete"):
                if method in item:
                    self._routes.append((re.compile(f"^{regex}$"), method.upper(), item[method]))

    def operation(self, method: str, path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
        for regex, route_method, op in self._routes:
            match = regex.match(path)
            if match and route_method == method:
                return op, match.groupdict()
        return None

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def check_request(
        self, op: dict[str, Any], path_params: dict[str, str], query: MultiDict, form: MultiDict
    ) -> list[tuple[str, str]]:
        """(parameter, rule broken) for every violation of the operation's contract."""
        found: list[tuple[str, str]] = []
        declared = {p["name"]: p for p in op.get("parameters", [])}
        for name, value in path_params.items():
            found += [(name, rule) for rule in self._check(declared[name]["schema"], [value])]
        query_params = {n: p for n, p in declared.items() if p["in"] == "query"}
        found += self._check_fields(query, {n: p["schema"] for n, p in query_params.items()},
                                    [n for n, p in query_params.items() if p.get("required")])
        body = op.get("requestBody", {}).get("content", {})
        schema = self.resolve(body.get("application/x-www-form-urlencoded", {}).get("schema", {}))
        if schema or form:
            found += self._check_fields(form, schema.get("properties", {}),
                                        schema.get("required", []))
        return found

    def check_response(self, op: dict[str, Any], status: int, body: Any) -> list[str]:
        """Where a JSON answer departs from the operation's response schema."""
        response = op["responses"].get(str(status))
        if response is None:
            return [f"status {status} is not a documented answer"]
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        return self._check_json(schema, body, "$")

    def _check_fields(
        self, values: MultiDict, properties: dict[str, Any], required: list[str]
    ) -> list[tuple[str, str]]:
        found = [(name, "is required") for name in required if name not in values]
        for name in values:
            if name not in properties:
                found.append((name, "is not a parameter of this operation"))
                continue
            found += [(name, rule) for rule in self._check(properties[name], values.getlist(name))]
        return found

    def _check(self, schema: dict[str, Any], raw: list[str]) -> list[str]:
        schema = self.resolve(schema)
        if schema.get("type") == "array":
            item = schema.get("items", {})
            return [rule for value in raw for rule in self._check(item, [value])]
        if len(raw) != 1:
            return ["must be given once"]
        value, kind = raw[0], schema.get("type", "string")
        if kind == "integer":
            if not re.fullmatch(r"-?[0-9]+", value):
                return ["must be an integer"]
            number = int(value)
            if number < schema.get("minimum", number) or number > schema.get("maximum", number):
                return ["is out of range"]
            return []
        if kind == "boolean":
            return [] if value in ("true", "false") else ["must be true or false"]
        rules = []
        if "enum" in schema and value not in schema["enum"]:
            rules.append(f"must be one of {schema['enum']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            rules.append(f"must match {schema['pattern']}")
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            rules.append("has the wrong length")
        checker = _FORMATS.get(schema.get("format", ""))
        if checker is not None and not checker(value):
            rules.append(f"is not a valid {schema['format']}")
        return rules

    def _check_json(self, schema: dict[str, Any], value: Any, where: str) -> list[str]:
        schema = self.resolve(schema)
        if value is None:
            return [] if schema.get("nullable") else [f"{where} must not be null"]
        kind = schema.get("type")
        types = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}
        if kind in types and not isinstance(value, types[kind]):
            return [f"{where} must be a JSON {kind}"]
        found = []
        if kind == "object" and "properties" in schema:
            for name, item in value.items():
                if name not in schema["properties"]:
                    found.append(f"{where}.{name} is not in the schema")
                else:
                    found += self._check_json(schema["properties"][name], item, f"{where}.{name}")
        if kind == "array":
            for i, item in enumerate(value):
                found += self._check_json(schema.get("items", {}), item, f"{where}[{i}]")
        if kind == "string":
            if "enum" in schema and value not in schema["enum"]:
                found.append(f"{where} must be one of {schema['enum']}")
            if "pattern" in schema and not re.search(schema["pattern"], value):
                found.append(f"{where} must match {schema['pattern']}")
            if schema.get("format") == "date-time-rfc-2822" and not _rfc2822(value):
                found.append(f"{where} is not an RFC 2822 date")
        return found


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _uri(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "_" not in parts.netloc


def _date_time(value: str) -> bool:
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            parse(value)
            return True
        except ValueError:
            pass
    return False


def _twiml(value: str) -> bool:
    try:
        return ElementTree.fromstring(value).tag == "Response"
    except ElementTree.ParseError:
        return False


def _rfc2822(value: str) -> bool:
    try:
        parsedate_to_datetime(value)
        return True
    except (TypeError, ValueError):
        return False


_FORMATS: dict[str, Callable[[str], bool]] = {
    "uri": _uri,
    "endpoint": lambda v: bool(_ENDPOINT.match(v)),
    "phone-number": lambda v: bool(_E164.match(v)),
    "date-time": _date_time,
    "twiml": _twiml,
}


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


@dataclass
class StandInCall:
    """A call as the stand-in keeps it (what Twilio would know about it)."""

    sid: str
    to: str
    from_: str
    status: str
    direction: str
    created_at: float
    updated_at: float
    start_time: float | None = None
    end_time: float | None = None
    url: str | None = None
    method: str | None = None
    status_callback: str | None = None
    status_callback_events: list[str] = field(default_factory=list)
    timeout: int | None = None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _SystemClock:
    def now(self) -> float:
        return time.time()


class TwilioStandIn:
    """Twilio's REST API on 127.0.0.1 for tests; see the module docstring."""

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
        self._clock = clock or _SystemClock()
        self._calls: dict[str, StandInCall] = {}
        self._queues: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[Failure]] = {}
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

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.operation == operation]

    @property
    def calls(self) -> list[StandInCall]:
        """Every call Twilio would know, oldest first."""
        with self._lock:
            return sorted(self._calls.values(), key=lambda c: c.created_at)

    def call(self, sid: str) -> StandInCall:
        with self._lock:
            return self._calls[sid]

    def add_call(self, *, to: str, from_: str, status: str = "in-progress",
                 direction: str = "inbound") -> str:
        """A call that did not come through the API, e.g. a caller waiting in <Enqueue>."""
        with self._lock:
            call = self._new_call(to, from_, direction)
            self._set_status(call, status)
            return call.sid

    def set_call_status(self, sid: str, status: str) -> None:
        with self._lock:
            self._set_status(self._calls[sid], status)

    def add_queue(self, friendly_name: str = "support", max_size: int = 100) -> str:
        with self._lock:
            sid = "QU" + uuid.uuid4().hex
            now = self._clock.now()
            self._queues[sid] = {"sid": sid, "friendly_name": friendly_name,
                                 "max_size": max_size, "members": [], "created_at": now}
            return sid

    def enqueue(self, queue_sid: str, call_sid: str) -> None:
        with self._lock:
            self._queues[queue_sid]["members"].append((call_sid, self._clock.now()))

    def queue_members(self, queue_sid: str) -> list[str]:
        with self._lock:
            return [sid for sid, _ in self._queues[queue_sid]["members"]]

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
            return 401, _error(401, 20003, "Authenticate"), False
        found = self.contract.operation(request.method, request.path)
        if found is None:
            return 404, _error(404, 20404, f"No resource at {request.path}"), False
        op, path_params = found
        op_id = op["operationId"]
        if path_params.get("AccountSid") != self.account_sid:
            return 404, _error(404, 20404, "The requested resource was not found"), False
        broken = self.contract.check_request(op, path_params, request.args, request.form)
        if request.method == "POST" and request.mimetype != "application/x-www-form-urlencoded":
            broken.append(("Content-Type", "must be application/x-www-form-urlencoded"))
        if broken:
            self.violations += [f"{op_id}: {name} {rule}" for name, rule in broken]
            name, rule = broken[0]
            codes = _MISSING_CODES if rule == "is required" else _INVALID_CODES
            return 400, _error(400, codes.get(name, 20001),
                               f"Invalid parameter '{name}': {rule}"), False
        handler = getattr(self, f"_op_{op_id}", None)
        if handler is None:
            return 501, _error(501, 20001, f"The stand-in does not implement {op_id}"), False
        queue = self._failures.get(op_id)
        failure = queue.popleft() if queue else None
        if failure is not None and not failure.after_apply:
            return failure.status, _error(failure.status, failure.code, failure.message), \
                failure.drop_connection
        status, body = handler(path_params, request.args, request.form)
        if status < 400:
            self.violations += [f"{op_id} answer: {v}"
                                for v in self.contract.check_response(op, status, body)]
        if failure is not None:
            return failure.status, _error(failure.status, failure.code, failure.message), \
                failure.drop_connection
        return status, body, False

    # -- operations (named after the contract's operationId) ----------------

    def _op_CreateCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                       ) -> tuple[int, Any]:
        call = self._new_call(form["To"], form["From"], "outbound-api")
        call.url = form.get("Url")
        call.method = form.get("Method", "POST")
        call.status_callback = form.get("StatusCallback")
        call.status_callback_events = form.getlist("StatusCallbackEvent")
        call.timeout = int(form["Timeout"]) if "Timeout" in form else None
        return 201, self._call_json(call)

    def _op_ListCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                     ) -> tuple[int, Any]:
        calls = [c for c in self._calls.values() if _matches(c, query)]
        calls.sort(key=lambda c: c.created_at, reverse=True)  # newest first, as Twilio
        return 200, self._page("Calls", "calls", [self._call_json(c) for c in calls], query)

    def _op_FetchCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                      ) -> tuple[int, Any]:
        call = self._calls.get(path["Sid"])
        return (200, self._call_json(call)) if call else _not_found()

    def _op_UpdateCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                       ) -> tuple[int, Any]:
        call = self._calls.get(path["Sid"])
        if call is None:
            return _not_found()
        if call.status in _FINAL:
            return 400, _error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if "Url" in form or "Twiml" in form:
            call.url = form.get("Url")
            call.method = form.get("Method", "POST")
        if form.get("Status") == "completed" or (
            form.get("Status") == "canceled" and call.status in ("queued", "ringing")
        ):
            self._set_status(call, form["Status"])
        call.updated_at = self._clock.now()
        return 200, self._call_json(call)

    def _op_CreateQueue(self, path: dict[str, str], query: MultiDict, form: MultiDict
                        ) -> tuple[int, Any]:
        sid = self.add_queue(form["FriendlyName"], int(form.get("MaxSize", 100)))
        return 201, self._queue_json(self._queues[sid])

    def _op_ListQueue(self, path: dict[str, str], query: MultiDict, form: MultiDict
                      ) -> tuple[int, Any]:
        items = [self._queue_json(q) for q in self._queues.values()]
        return 200, self._page("Queues", "queues", items, query)

    def _op_FetchQueue(self, path: dict[str, str], query: MultiDict, form: MultiDict
                       ) -> tuple[int, Any]:
        queue = self._queues.get(path["Sid"])
        return (200, self._queue_json(queue)) if queue else _not_found()

    def _op_UpdateMember(self, path: dict[str, str], query: MultiDict, form: MultiDict
                         ) -> tuple[int, Any]:
        queue = self._queues.get(path["QueueSid"])
        members = queue["members"] if queue else []
        wanted = path["CallSid"]
        index = 0 if wanted == "Front" and members else next(
            (i for i, (sid, _) in enumerate(members) if sid == wanted), None)
        if queue is None or index is None:
            return _not_found()
        call_sid, enqueued_at = members.pop(index)
        if call_sid in self._calls:
            self._calls[call_sid].url = form["Url"]
            self._calls[call_sid].method = form.get("Method", "POST")
        return 200, self._member_json(queue["sid"], call_sid, enqueued_at, index + 1)

    # -- resources -------------------------------------------------------------

    def _new_call(self, to: str, from_: str, direction: str) -> StandInCall:
        now = self._clock.now()
        call = StandInCall("CA" + uuid.uuid4().hex, to, from_, "queued", direction, now, now)
        self._calls[call.sid] = call
        return call

    def _set_status(self, call: StandInCall, status: str) -> None:
        now = self._clock.now()
        if status != "queued" and call.start_time is None:
            call.start_time = now
        if status in _FINAL and call.end_time is None:
            call.end_time = now
        call.status, call.updated_at = status, now

    def _uri(self, tail: str) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/{tail}"

    def _call_json(self, c: StandInCall) -> dict[str, Any]:
        duration = None if c.end_time is None or c.start_time is None else \
            str(int(c.end_time - c.start_time))
        return {
            "account_sid": self.account_sid, "answered_by": None, "api_version": "2010-04-01",
            "caller_name": None, "date_created": _rfc(c.created_at),
            "date_updated": _rfc(c.updated_at), "direction": c.direction, "duration": duration,
            "end_time": _rfc(c.end_time), "forwarded_from": None, "from": c.from_,
            "from_formatted": c.from_, "group_sid": None, "parent_call_sid": None,
            "phone_number_sid": None, "price": None, "price_unit": "USD", "queue_time": "0",
            "sid": c.sid, "start_time": _rfc(c.start_time), "status": c.status,
            "subresource_uris": {
                name: self._uri(f"Calls/{c.sid}/{name.title().replace('_', '')}.json")
                for name in ("notifications", "recordings", "payments", "events")
            },
            "to": c.to, "to_formatted": c.to, "trunk_sid": None,
            "uri": self._uri(f"Calls/{c.sid}.json"),
        }

    def _queue_json(self, q: dict[str, Any]) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid, "average_wait_time": 0,
            "current_size": len(q["members"]), "date_created": _rfc(q["created_at"]),
            "date_updated": _rfc(q["created_at"]), "friendly_name": q["friendly_name"],
            "max_size": q["max_size"], "sid": q["sid"], "uri": self._uri(f"Queues/{q['sid']}.json"),
        }

    def _member_json(self, queue_sid: str, call_sid: str, enqueued_at: float,
                     position: int) -> dict[str, Any]:
        return {
            "call_sid": call_sid, "date_enqueued": _rfc(enqueued_at), "position": position,
            "queue_sid": queue_sid, "wait_time": int(self._clock.now() - enqueued_at),
            "uri": self._uri(f"Queues/{queue_sid}/Members/{call_sid}.json"),
        }

    def _page(self, resource: str, key: str, items: list[Any], query: MultiDict) -> dict[str, Any]:
        size, number = int(query.get("PageSize", 50)), int(query.get("Page", 0))
        filters = [(k, v) for k in query for v in query.getlist(k)
                   if k not in ("Page", "PageSize", "PageToken")]

        def uri(page: int) -> str:
            return self._uri(f"{resource}.json?" + urlencode(
                [*filters, ("PageSize", size), ("Page", page)]))

        chunk = items[number * size:(number + 1) * size]
        more = (number + 1) * size < len(items)
        return {
            key: chunk, "end": number * size + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0), "next_page_uri": uri(number + 1) if more else None,
            "page": number, "page_size": size,
            "previous_page_uri": uri(number - 1) if number > 0 else None,
            "start": number * size, "uri": uri(number),
        }


def _matches(call: StandInCall, query: MultiDict) -> bool:
    """Twilio's list filters; a call not yet started is filtered by its creation time."""
    if any(name in query and query[name] != value for name, value in
           (("To", call.to), ("From", call.from_), ("Status", call.status))):
        return False
    for name, moment in (("StartTime", call.start_time or call.created_at),
                         ("EndTime", call.end_time)):
        for suffix, test in (("", lambda a, b: a == b), (">", lambda a, b: a >= b),
                             ("<", lambda a, b: a < b)):
            if name + suffix in query:
                bound, is_day = _instant(query[name + suffix])
                value = None if moment is None else (
                    float(int(moment // 86400) * 86400) if is_day else float(int(moment)))
                if value is None or not test(value, bound):
                    return False
    return "ParentCallSid" not in query


def _instant(value: str) -> tuple[float, bool]:
    """Epoch seconds of an ISO date or date-time, and whether it named a whole day."""
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC).timestamp(), \
            True
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp(), False


def _rfc(moment: float | None) -> str | None:
    return None if moment is None else format_datetime(datetime.fromtimestamp(int(moment), UTC))


def _error(status: int, code: int | None, message: str) -> dict[str, Any]:
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code or status}", "status": status}


def _not_found() -> tuple[int, Any]:
    return 404, _error(404, 20404, "The requested resource was not found")
