"""Why a logged-out agent takes no calls: away by choice, or missed an offer.

The queue engine knows two resting states, available and logged out.  The
console needs to tell "logged out", "away" and "missed" apart, and a missed
offer must keep the agent from being offered again until they say they are
back; so ringback logs such an agent out in the engine and notes the reason
here (``RoutingKeys.away``).  Setting an agent available clears the note.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from ringback.clock import Clock
from ringback.routing.keys import RoutingKeys


class AwayReason(str, Enum):
    AWAY = "away"
    MISSED = "missed"


@dataclass(frozen=True)
class AwayNote:
    reason: AwayReason
    since: float
    queue_id: str | None = None  # the missed offer's queue and entry
    entry_id: str | None = None
    detail: str | None = None  # why the offer was missed ("the offer timed out", ...)


class AwayNotes:
    def __init__(self, redis: Any, clock: Clock) -> None:
        self._redis = redis
        self._clock = clock

    def away(self, agent_id: str, pipeline: Any | None = None) -> None:
        self._write(agent_id, {"s": AwayReason.AWAY.value}, pipeline)

    def missed(self, agent_id: str, queue_id: str, entry_id: str, detail: str,
               pipeline: Any | None = None) -> None:
        self._write(agent_id, {"s": AwayReason.MISSED.value, "q": queue_id, "e": entry_id,
                               "r": detail}, pipeline)

    def clear(self, agent_id: str, pipeline: Any | None = None) -> None:
        (pipeline or self._redis).delete(RoutingKeys.away(agent_id))

    def get(self, agent_id: str) -> AwayNote | None:
        raw = self._redis.hgetall(RoutingKeys.away(agent_id))
        h = {_text(k): _text(v) for k, v in raw.items()}
        if h.get("s") not in {r.value for r in AwayReason}:
            return None
        return AwayNote(AwayReason(h["s"]), float(h.get("t") or 0.0), h.get("q") or None,
                        h.get("e") or None, h.get("r") or None)

    def _write(self, agent_id: str, fields: dict[str, str], pipeline: Any | None) -> None:
        key = RoutingKeys.away(agent_id)
        pipe = pipeline if pipeline is not None else self._redis.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping={**fields, "t": f"{self._clock.now():.3f}"})
        if pipeline is None:
            pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
