"""Deadlines in Redis: "at time T, do X for ref R", safe for many schedulers.

A deadline is a member of its kind's sorted set, scored by its due time.
Sweeping *claims* due deadlines: one Lua script moves them into the kind's
lease set, scored by when the lease runs out, so however many schedulers
sweep at once each due deadline goes to exactly one of them.  The claimer
hands the deadline on (an rq job) and acks; a claimer that dies before its
ack leaves an expired lease, which the next sweep claims again.  Nothing
lives in process memory, so a restart (with Redis's AOF) loses nothing.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis

from ringback.clock import Clock
from ringback.errors import ValidationError
from ringback.redis_connection import text
from ringback.redis_keys import DeadlineKeys

MAX_REF = 200
DEFAULT_LEASE_SECONDS = 30.0


class DeadlineKind(str, enum.Enum):
    """What a deadline is for; add a member (and a sweeper handler) for a new one."""

    CALLBACK_EXPIRY = "callback_expiry"
    QUEUE_MAX_WAIT = "queue_max_wait"
    OFFER_TIMEOUT = "offer_timeout"
    WRAP_UP_END = "wrap_up_end"
    CALLBACK_DIAL = "callback_dial"  # ref: a callback attempt; its call is placed or checked
    SIM_CALL = "sim_call"  # ref: <call sid>/<stage>; the simulator plays the call's next step


@dataclass(frozen=True)
class Claim:
    """A due deadline that one sweeper holds until it acks it.

    ``reclaimed`` marks a claim taken over from a sweeper whose lease ran out:
    that sweeper may already have handed it on before it died.
    """

    kind: DeadlineKind
    ref: str
    due_at: float
    reclaimed: bool = field(default=False, compare=False)


CLAIM_DUE = """
-- KEYS[1] due zset, KEYS[2] leases zset, KEYS[3] leased_due hash (of one kind)
-- ARGV[1] now, ARGV[2] lease expiry for what is claimed now, ARGV[3] limit
-- Claims up to ARGV[3] deadlines: expired leases first (their claimer died),
-- then due ones, moving each into the leases.
-- Returns ref, due, reclaimed (1 or 0), ref, due, reclaimed, ...
local out = {}
local limit = tonumber(ARGV[3])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, limit)
for _, ref in ipairs(stale) do
  local due = redis.call('HGET', KEYS[3], ref)
  if due then
    redis.call('ZADD', KEYS[2], ARGV[2], ref)
    out[#out + 1] = ref
    out[#out + 1] = due
    out[#out + 1] = 1
  else
    redis.call('ZREM', KEYS[2], ref)
  end
end
local room = limit - #stale
if room <= 0 then
  return out
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, room)
if #due == 0 then
  return out
end
-- The members taken are the lowest-ranked ones, so they go by rank in one call.
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #due / 2 - 1)
for i = 1, #due, 2 do
  redis.call('ZADD', KEYS[2], ARGV[2], due[i])
  redis.call('HSET', KEYS[3], due[i], due[i + 1])
  out[#out + 1] = due[i]
  out[#out + 1] = due[i + 1]
  out[#out + 1] = 0
end
return out
"""

ACK = """
-- KEYS[1] leases zset, KEYS[2] leased_due hash (of one kind)
-- ARGV[1] ref, ARGV[2] due time of its claim, ARGV[3] ref, ARGV[4] due time, ...
-- Ends each lease that still belongs to the claim acked; a deadline
-- re-scheduled (and maybe claimed again) since keeps its new state.
-- Returns how many leases ended.
local ended = 0
for i = 1, #ARGV, 2 do
  local due = redis.call('HGET', KEYS[2], ARGV[i])
  if due and tonumber(due) == tonumber(ARGV[i + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    ended = ended + 1
  end
end
return ended
"""


class Deadlines:
    """Schedule, cancel and claim deadlines; see the module docstring.

    Every method takes the kind and a ref string that names the subject of
    the deadline, e.g. ``"<queue_id>:<entry_id>"`` or an agent id.  A ref has
    at most one deadline per kind: scheduling it again moves it.  Owns
    ``DeadlineKeys`` (``redis_keys``) of every kind.
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        clock: Clock,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self._redis = redis_client
        self._clock = clock
        self._lease_seconds = float(lease_seconds)
        self._claim = redis_client.register_script(CLAIM_DUE)
        self._ack = redis_client.register_script(ACK)

    @property
    def lease_seconds(self) -> float:
        return self._lease_seconds

    def schedule(
        self, kind: DeadlineKind, ref: str, due_at: float, pipeline: Any | None = None
    ) -> None:
        """Set ``ref``'s deadline of ``kind`` to ``due_at`` (epoch seconds).

        Re-scheduling replaces the old due time, also when the old one was
        already claimed but not acked: that claim will not be claimed again.
        """
        keys = DeadlineKeys(DeadlineKind(kind))
        ref = _check_ref(ref)
        if not isinstance(due_at, int | float) or not math.isfinite(due_at):
            raise ValidationError({"due_at": "must be a finite number of epoch seconds"})
        pipe = pipeline if pipeline is not None else self._redis.pipeline()
        pipe.zadd(keys.due, {ref: float(due_at)})
        pipe.zrem(keys.leases, ref)
        pipe.hdel(keys.leased_due, ref)
        pipe.zrem(keys.done, keys.done_member(ref, due_at))  # scheduled anew: runs anew
        if pipeline is None:
            pipe.execute()

    def cancel(self, kind: DeadlineKind, ref: str, pipeline: Any | None = None) -> None:
        """Forget ``ref``'s deadline of ``kind``, claimed or not; no-op when none."""
        keys = DeadlineKeys(DeadlineKind(kind))
        ref = _check_ref(ref)
        pipe = pipeline if pipeline is not None else self._redis.pipeline()
        pipe.zrem(keys.due, ref)
        pipe.zrem(keys.leases, ref)
        pipe.hdel(keys.leased_due, ref)
        if pipeline is None:
            pipe.execute()

    def due_at(self, kind: DeadlineKind, ref: str) -> float | None:
        """When ``ref``'s deadline of ``kind`` is due, while it is pending.

        Pending means scheduled, or claimed and not yet acked; None otherwise.
        """
        return self.due_at_many(kind, [ref])[ref]

    def due_at_many(self, kind: DeadlineKind, refs: Iterable[str]) -> dict[str, float | None]:
        """``due_at`` of every ref, in one round trip (the live board)."""
        keys = DeadlineKeys(DeadlineKind(kind))
        checked = [_check_ref(ref) for ref in refs]
        if not checked:
            return {}
        with self._redis.pipeline(transaction=False) as pipe:
            for ref in checked:
                pipe.zscore(keys.due, ref)
                pipe.hget(keys.leased_due, ref)
            replies = pipe.execute()
        found: dict[str, float | None] = {}
        for i, ref in enumerate(checked):
            scheduled, leased = replies[2 * i], replies[2 * i + 1]
            due = scheduled if scheduled is not None else leased
            found[ref] = float(due) if due is not None else None
        return found

    def count(self, kind: DeadlineKind) -> int:
        """Pending deadlines of ``kind`` (scheduled or claimed and not acked)."""
        keys = DeadlineKeys(DeadlineKind(kind))
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zcard(keys.due)
            pipe.zcard(keys.leases)
            scheduled, leased = pipe.execute()
        return int(scheduled) + int(leased)

    def claim_due(self, kind: DeadlineKind, limit: int = 1000) -> list[Claim]:
        """Claim up to ``limit`` deadlines of ``kind`` that are due now.

        Also reclaims deadlines whose lease ran out, so a sweeper that died
        between claiming and acking loses nothing.  Each claim keeps the due
        time it was scheduled for.
        """
        kind = DeadlineKind(kind)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        now = self._clock.now()
        flat = self._claim(
            keys=DeadlineKeys(kind).all(), args=[now, now + self._lease_seconds, int(limit)]
        )
        return [
            Claim(kind, text(flat[i]), float(flat[i + 1]), reclaimed=bool(int(flat[i + 2])))
            for i in range(0, len(flat), 3)
        ]

    def ack(self, claim: Claim, pipeline: Any | None = None) -> None:
        """End the lease of a claim that has been handed on."""
        keys = DeadlineKeys(claim.kind)
        self._ack(
            keys=[keys.leases, keys.leased_due], args=[claim.ref, repr(claim.due_at)],
            client=pipeline,
        )

    def ack_many(self, claims: Iterable[Claim]) -> int:
        """Ack a batch of claims with one script call per kind; returns leases ended."""
        by_kind: dict[DeadlineKind, list[str]] = {}
        for claim in claims:
            by_kind.setdefault(claim.kind, []).extend([claim.ref, repr(claim.due_at)])
        ended = 0
        for kind, args in by_kind.items():
            keys = DeadlineKeys(kind)
            ended += int(self._ack(keys=[keys.leases, keys.leased_due], args=args))
        return ended


def _check_ref(ref: object) -> str:
    if not isinstance(ref, str) or not ref or len(ref) > MAX_REF:
        raise ValidationError({"ref": f"must be a non-empty text of at most {MAX_REF} characters"})
    return ref
