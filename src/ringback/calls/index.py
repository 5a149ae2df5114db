"""What ringback remembers about one inbound call, by its Twilio call sid.

Twilio's status callback names only the call, not the queue, so the queue
entry of a call is found here. The record also holds when position and wait
were last announced, and how the call left the queue (so the ``<Enqueue
action>`` knows what to say). It lives a day: no call waits that long, and
a late duplicate webhook still finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from ringback.redis_connection import text
from ringback.redis_keys import CallKeys

RECORD_TTL_SECONDS = 86_400
FIELDS = ("q", "e", "a", "x", "w")


class QueueExit(str, Enum):
    """How the caller left the wait queue (``telephony.CallOutcome`` is how a simulated
    call goes: a different thing, so a different name)."""

    CALLBACK = "callback"  # asked for a callback: the entry stays, as a callback
    OVERFLOW = "overflow"  # max wait reached (or the entry vanished): the overflow plays
    ABANDONED = "abandoned"  # hung up while waiting


@dataclass(frozen=True)
class CallRecord:
    queue_id: str | None = None
    entry_id: str | None = None
    announced_at: float | None = None
    outcome: QueueExit | None = None
    leave_at: float | None = None  # a live caller's max wait runs out (None: no limit)


class CallIndex:
    """Call sid -> queue entry, announcement time and outcome, in Redis.

    Owns ``CallKeys.record`` (``redis_keys``): one hash per call.
    """

    def __init__(self, redis: Any) -> None:
        self._redis = redis

    def get(self, call_sid: str) -> CallRecord:
        return self.record_of(self._redis.hmget(CallKeys(call_sid).record, *FIELDS))

    def read(self, pipeline: Any, call_sid: str) -> None:
        """Queue the read of a record on ``pipeline``; ``record_of`` decodes its result."""
        pipeline.hmget(CallKeys(call_sid).record, *FIELDS)

    @staticmethod
    def record_of(raw: list[Any]) -> CallRecord:
        q, e, a, x, w = (text(v) for v in raw)
        try:
            outcome = QueueExit(x) if x else None
        except ValueError:
            outcome = None
        return CallRecord(q or None, e or None, float(a) if a else None, outcome,
                          float(w) if w else None)

    def joined(self, call_sid: str, queue_id: str, entry_id: str,
               leave_at: float | None = None) -> None:
        fields = {"q": queue_id, "e": entry_id}
        if leave_at is not None:
            fields["w"] = f"{leave_at:.3f}"
        self._set(call_sid, fields)

    def announced(self, call_sid: str, at: float) -> None:
        self._set(call_sid, {"a": f"{at:.3f}"})

    def left(self, call_sid: str, outcome: QueueExit, entry_id: str | None = None) -> None:
        fields = {"x": outcome.value}
        if entry_id:
            fields["e"] = entry_id
        self._set(call_sid, fields)

    def _set(self, call_sid: str, fields: dict[str, str]) -> None:
        key = CallKeys(call_sid).record
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(key, mapping=fields)
        pipe.expire(key, RECORD_TTL_SECONDS)
        pipe.execute()
