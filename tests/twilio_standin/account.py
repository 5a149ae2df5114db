"""What Twilio knows about the stand-in's account (calls, queues) and the REST
operations on it, answered in the shapes of the contract's response schemas.

Each ``op_<operationId>`` takes the path parameters, query and form of a
request the server already checked against the contract, and returns
(HTTP status, JSON body).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

FINAL = {"completed", "busy", "failed", "no-answer", "canceled"}
# The StatusCallbackEvent each call status is reported under (Twilio's names).
EVENT_OF_STATUS = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered",
                   **{status: "completed" for status in FINAL}}


@dataclass(frozen=True)
class StatusCallback:
    """A status callback Twilio would POST to a call's StatusCallback URL."""

    url: str
    params: dict[str, str]


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


class Account:
    """Calls and queues of one account; the server holds the lock around every use."""

    def __init__(self, account_sid: str, clock: Any) -> None:
        self.account_sid = account_sid
        self.calls: dict[str, StandInCall] = {}
        self.queues: dict[str, dict[str, Any]] = {}
        self.outbox: list[StatusCallback] = []
        self._sequence: dict[str, int] = {}
        self._clock = clock

    def now(self) -> float:
        return float(self._clock.now())

    def op_CreateCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                       ) -> tuple[int, Any]:
        call = self.new_call(form["To"], form["From"], "outbound-api")
        call.url = form.get("Url")
        call.method = form.get("Method", "POST")
        call.status_callback = form.get("StatusCallback")
        call.status_callback_events = form.getlist("StatusCallbackEvent")
        call.timeout = int(form["Timeout"]) if "Timeout" in form else None
        self.report(call, "initiated")
        return 201, self._call_json(call)

    def op_ListCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                     ) -> tuple[int, Any]:
        calls = [c for c in self.calls.values() if _matches(c, query)]
        calls.sort(key=lambda c: c.created_at, reverse=True)  # newest first, as Twilio
        return 200, self._page("Calls", "calls", [self._call_json(c) for c in calls], query)

    def op_FetchCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                      ) -> tuple[int, Any]:
        call = self.calls.get(path["Sid"])
        return (200, self._call_json(call)) if call else not_found()

    def op_UpdateCall(self, path: dict[str, str], query: MultiDict, form: MultiDict
                       ) -> tuple[int, Any]:
        call = self.calls.get(path["Sid"])
        if call is None:
            return not_found()
        if call.status in FINAL:
            return 400, twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if "Url" in form or "Twiml" in form:
            call.url = form.get("Url")
            call.method = form.get("Method", "POST")
        if form.get("Status") == "completed" or (
            form.get("Status") == "canceled" and call.status in ("queued", "ringing")
        ):
            self.set_status(call, form["Status"])
        call.updated_at = self._clock.now()
        return 200, self._call_json(call)

    def op_CreateQueue(self, path: dict[str, str], query: MultiDict, form: MultiDict
                        ) -> tuple[int, Any]:
        queue = self.add_queue(form["FriendlyName"], int(form.get("MaxSize", 100)))
        return 201, self._queue_json(queue)

    def op_ListQueue(self, path: dict[str, str], query: MultiDict, form: MultiDict
                      ) -> tuple[int, Any]:
        items = [self._queue_json(q) for q in self.queues.values()]
        return 200, self._page("Queues", "queues", items, query)

    def op_FetchQueue(self, path: dict[str, str], query: MultiDict, form: MultiDict
                       ) -> tuple[int, Any]:
        queue = self.queues.get(path["Sid"])
        return (200, self._queue_json(queue)) if queue else not_found()

    def op_UpdateMember(self, path: dict[str, str], query: MultiDict, form: MultiDict
                         ) -> tuple[int, Any]:
        queue = self.queues.get(path["QueueSid"])
        members = queue["members"] if queue else []
        wanted = path["CallSid"]
        index = 0 if wanted == "Front" and members else next(
            (i for i, (sid, _) in enumerate(members) if sid == wanted), None)
        if queue is None or index is None:
            return not_found()
        call_sid, enqueued_at = members.pop(index)
        if call_sid in self.calls:
            self.calls[call_sid].url = form["Url"]
            self.calls[call_sid].method = form.get("Method", "POST")
        return 200, self._member_json(queue["sid"], call_sid, enqueued_at, index + 1)

    # -- resources -------------------------------------------------------------

    def add_queue(self, friendly_name: str, max_size: int) -> dict[str, Any]:
        sid = "QU" + uuid.uuid4().hex
        now = self._clock.now()
        self.queues[sid] = {"sid": sid, "friendly_name": friendly_name, "max_size": max_size,
                            "members": [], "created_at": now}
        return self.queues[sid]

    def new_call(self, to: str, from_: str, direction: str) -> StandInCall:
        now = self._clock.now()
        call = StandInCall("CA" + uuid.uuid4().hex, to, from_, "queued", direction, now, now)
        self.calls[call.sid] = call
        return call

    def set_status(self, call: StandInCall, status: str) -> None:
        now = self._clock.now()
        if status != "queued" and call.start_time is None:
            call.start_time = now
        if status in FINAL and call.end_time is None:
            call.end_time = now
        call.status, call.updated_at = status, now
        self.report(call, status)

    def report(self, call: StandInCall, status: str) -> None:
        """Queue the status callback of ``status`` when the call asked for its event."""
        event = EVENT_OF_STATUS.get(status)
        if not call.status_callback or event not in (call.status_callback_events or
                                                     ["completed"]):
            return
        sequence = self._sequence.get(call.sid, 0)
        self._sequence[call.sid] = sequence + 1
        params = {
            "AccountSid": self.account_sid, "ApiVersion": "2010-04-01",
            "CallSid": call.sid, "CallStatus": status, "CallbackSource": "call-progress-events",
            "Direction": call.direction, "From": call.from_, "To": call.to,
            "SequenceNumber": str(sequence), "Timestamp": _rfc(self.now()) or "",
        }
        if status in FINAL and call.start_time is not None and call.end_time is not None:
            params["CallDuration"] = str(int(call.end_time - call.start_time))
        self.outbox.append(StatusCallback(call.status_callback, params))

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


def twilio_error(status: int, code: int | None, message: str) -> dict[str, Any]:
    """An error body as Twilio's 2010 API writes it."""
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code or status}", "status": status}


def not_found() -> tuple[int, Any]:
    return 404, twilio_error(404, 20404, "The requested resource was not found")
