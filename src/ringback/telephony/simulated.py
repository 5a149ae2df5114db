"""The simulated telephony adapter: ``ringback serve`` without Twilio credentials.

It places no real calls.  It records every call, redirect, hangup and
dequeue in Redis, so the web process, the worker and the terminal phone all
see the same record, and it lets a test or the terminal phone decide how
each call ends (``set_outcome``).  Sending the status webhooks that follow
is the player's job (``sim_play``), as it is Twilio's in production: given
``on_placed``, the simulator hands it each new call (``ringback serve``);
without it, a test plays the call by hand.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import redis

from ringback.clock import Clock
from ringback.redis_keys import SimKeys
from ringback.telephony.base import STATUS_CALLBACK_EVENTS, CallStatus, PlacedCall
from ringback.telephony.errors import CallNotFound, CallNotInProgress, InvalidNumber

# Twilio accepts E.164 numbers and client:/sip: endpoints.
_ENDPOINT = re.compile(r"^(\+[1-9][0-9]{1,14}|client:[A-Za-z0-9_.@-]+|sip:\S+@\S+)$")

RETENTION_SECONDS = 2 * 24 * 3600
MAX_CALLS = 1000
MAX_EVENTS = 5000


PLACE_CALL = """
-- KEYS[1] attempt key (idempotency key -> sid)   KEYS[2] the call's hash
-- KEYS[3] calls list (sids in order placed)       KEYS[4] events list
-- ARGV[1] sid  ARGV[2] retention seconds  ARGV[3] event JSON  ARGV[4] calls kept
-- ARGV[5] events kept  ARGV[6..] field, value pairs of the call
-- Returns the sid of the call for this attempt: the existing one if placed before.
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 6))
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[4]), -1)
redis.call('EXPIRE', KEYS[3], ARGV[2])
redis.call('RPUSH', KEYS[4], ARGV[3])
redis.call('LTRIM', KEYS[4], -tonumber(ARGV[5]), -1)
redis.call('EXPIRE', KEYS[4], ARGV[2])
return ARGV[1]
"""


class CallOutcome(str, Enum):
    """How a simulated call goes, as the terminal phone or a test decides."""

    ANSWERED = "answered"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    COMPLETED = "completed"


_OUTCOME_STATUS = {
    CallOutcome.ANSWERED: CallStatus.IN_PROGRESS,
    CallOutcome.NO_ANSWER: CallStatus.NO_ANSWER,
    CallOutcome.BUSY: CallStatus.BUSY,
    CallOutcome.FAILED: CallStatus.FAILED,
    CallOutcome.COMPLETED: CallStatus.COMPLETED,
}


@dataclass(frozen=True)
class SimCall:
    """A call the simulator placed, as recorded in Redis."""

    sid: str
    to: str
    from_: str
    url: str
    status_callback: str
    status_callback_events: tuple[str, ...]
    status: CallStatus
    idempotency_key: str
    timeout: int
    created_at: float
    updated_at: float
    caller_id: str | None = None
    time_limit: int | None = None

    def placed(self) -> PlacedCall:
        return PlacedCall(self.sid, self.status, self.to, self.from_, self.created_at)


@dataclass(frozen=True)
class SimEvent:
    """One recorded operation: place, redirect, hangup, dequeue or outcome."""

    kind: str
    call_sid: str
    at: float
    url: str | None = None
    queue_sid: str | None = None
    status: str | None = None


class SimulatedTelephony:
    """``Telephony`` that records instead of calling; owns ``SimKeys`` (``redis_keys``)."""

    def __init__(self, redis_client: redis.Redis, clock: Clock, *,
                 on_placed: Callable[[str], None] | None = None) -> None:
        """``on_placed(sid)`` starts playing each call placed (once per call)."""
        self._redis = redis_client
        self._clock = clock
        self._place = redis_client.register_script(PLACE_CALL)
        self._on_placed = on_placed

    def place_call(
        self,
        *,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        idempotency_key: str,
        timeout: int = 30,
        caller_id: str | None = None,
        time_limit: int | None = None,
    ) -> PlacedCall:
        if not _ENDPOINT.match(to):
            raise InvalidNumber(21211, "the 'To' number is not a valid phone number", False)
        if not _ENDPOINT.match(from_):
            raise InvalidNumber(21212, "the 'From' number is not a valid caller id", False)
        now = self._clock.now()
        sid = "CA" + uuid.uuid4().hex
        fields: dict[str, str] = {
            "sid": sid,
            "to": to,
            "from": from_,
            "url": url,
            "status_callback": status_callback,
            "status_callback_events": " ".join(STATUS_CALLBACK_EVENTS),
            "status": CallStatus.QUEUED.value,
            "idempotency_key": idempotency_key,
            "timeout": str(timeout),
            "created_at": repr(now),
            "updated_at": repr(now),
        }
        if caller_id is not None:
            fields["caller_id"] = caller_id
        if time_limit is not None:
            fields["time_limit"] = str(time_limit)
        if self._on_placed is not None:
            fields["stage"] = "placed"
        event = _event_json("place", sid, now, url=url, status=CallStatus.QUEUED.value)
        pairs = [item for field in fields.items() for item in field]
        placed_sid = _text(
            self._place(
                keys=[SimKeys.attempt(idempotency_key), SimKeys.call(sid), SimKeys.calls,
                      SimKeys.events],
                args=[sid, RETENTION_SECONDS, event, MAX_CALLS, MAX_EVENTS, *pairs],
            )
        )
        call = self.call(placed_sid)
        if call is None:  # the earlier attempt's record has expired
            raise CallNotFound(20404, f"call {placed_sid} of attempt {idempotency_key} expired")
        if self._on_placed is not None and placed_sid == sid:
            self._on_placed(sid)
        return call.placed()

    def redirect_call(self, call_sid: str, url: str) -> None:
        call = self.call(call_sid)
        if call is not None and call.status.is_final:
            raise CallNotInProgress(21220, "the call is no longer in progress", False)
        self._record(_event_json("redirect", call_sid, self._clock.now(), url=url),
                     call_sid if call else None, url=url)

    def hangup_call(self, call_sid: str) -> None:
        call = self.call(call_sid)
        status = CallStatus.COMPLETED.value
        known = call is not None and not call.status.is_final
        self._record(_event_json("hangup", call_sid, self._clock.now(), status=status),
                     call_sid if known else None, status=status)

    def dequeue_member(self, queue_sid: str, call_sid: str, url: str) -> None:
        call = self.call(call_sid)
        self._record(
            _event_json("dequeue", call_sid, self._clock.now(), url=url, queue_sid=queue_sid),
            call_sid if call else None, url=url,
        )

    def find_calls(self, *, to: str, from_: str, started_after: float) -> list[PlacedCall]:
        return [
            c.placed() for c in reversed(self.calls())
            if c.to == to and c.from_ == from_ and c.created_at >= started_after
        ]

    def close(self) -> None:
        """Nothing to release: the Redis client belongs to whoever passed it in."""

    def set_outcome(self, call_sid: str, outcome: CallOutcome | str) -> CallStatus:
        """Decide how a placed call goes; returns the call's new status."""
        status = _OUTCOME_STATUS[CallOutcome(outcome)]
        call = self.call(call_sid)
        if call is None:
            raise CallNotFound(20404, f"the simulator placed no call {call_sid}", False)
        if call.status.is_final:
            raise CallNotInProgress(21220, f"call {call_sid} already ended ({call.status.value})")
        self._record(_event_json("outcome", call_sid, self._clock.now(), status=status.value),
                     call_sid, status=status.value)
        return status

    def play_stage(self, call_sid: str) -> str | None:
        """Where the player is with a call (``sim_play.Stage``); None when not played."""
        raw = self._redis.hget(SimKeys.call(call_sid), "stage")
        return _text(raw) if raw is not None else None

    def play_fields(self, call_sid: str) -> dict[str, str]:
        """Every field of a call's record, the player's notes included."""
        raw = self._redis.hgetall(SimKeys.call(call_sid))
        return {_text(k): _text(v) for k, v in raw.items()}

    def advance(self, call_sid: str, stage: str, *, status: CallStatus | None = None,
                **notes: str) -> None:
        """The player moved the call to ``stage`` (with its status and notes)."""
        changes = {"stage": stage, **notes}
        if status is not None:
            changes["status"] = status.value
        event = _event_json("play", call_sid, self._clock.now(),
                            status=status.value if status else stage)
        self._record(event, call_sid, **changes)

    def calls(self) -> list[SimCall]:
        """Every recorded call, oldest first."""
        sids = [_text(s) for s in self._redis.lrange(SimKeys.calls, 0, -1)]
        pipe = self._redis.pipeline(transaction=False)
        for sid in sids:
            pipe.hgetall(SimKeys.call(sid))
        found = (_sim_call(raw) for raw in pipe.execute())
        return [c for c in found if c is not None]

    def call(self, call_sid: str) -> SimCall | None:
        return _sim_call(self._redis.hgetall(SimKeys.call(call_sid)))

    def events(self, call_sid: str | None = None) -> list[SimEvent]:
        """Recorded operations, oldest first; only those of ``call_sid`` when given."""
        found = [SimEvent(**json.loads(raw)) for raw in self._redis.lrange(SimKeys.events, 0, -1)]
        return [e for e in found if call_sid is None or e.call_sid == call_sid]

    def _record(self, event: str, call_sid: str | None, **changes: str) -> None:
        """Append the event and, for a call the simulator placed, apply the changes."""
        pipe = self._redis.pipeline(transaction=True)
        if call_sid is not None:
            pipe.hset(SimKeys.call(call_sid),
                      mapping={**changes, "updated_at": repr(self._clock.now())})
        pipe.rpush(SimKeys.events, event)
        pipe.ltrim(SimKeys.events, -MAX_EVENTS, -1)
        pipe.expire(SimKeys.events, RETENTION_SECONDS)
        pipe.execute()


def _event_json(kind: str, call_sid: str, at: float, **detail: str) -> str:
    return json.dumps({"kind": kind, "call_sid": call_sid, "at": at, **detail})


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _sim_call(raw: dict[Any, Any]) -> SimCall | None:
    f = {_text(k): _text(v) for k, v in raw.items()}
    if "sid" not in f:  # missing, or an update landed just after the record expired
        return None
    return SimCall(
        sid=f["sid"],
        to=f["to"],
        from_=f["from"],
        url=f["url"],
        status_callback=f["status_callback"],
        status_callback_events=tuple(f["status_callback_events"].split()),
        status=CallStatus(f["status"]),
        idempotency_key=f["idempotency_key"],
        timeout=int(f["timeout"]),
        created_at=float(f["created_at"]),
        updated_at=float(f["updated_at"]),
        caller_id=f.get("caller_id"),
        time_limit=int(f["time_limit"]) if "time_limit" in f else None,
    )
