"""Scheduler liveness, kept in Redis so /healthz sees every scheduler process.

Keys:
    ringback:schedulers   zset of scheduler id -> time of its last beat
"""

from __future__ import annotations

import redis

from ringback.clock import Clock

SCHEDULERS_KEY = "ringback:schedulers"


class SchedulerHeartbeat:
    """Each scheduler process beats every few seconds; a silent one is dead."""

    def __init__(self, redis_client: redis.Redis, clock: Clock, *, ttl: float = 30.0) -> None:
        self._redis = redis_client
        self._clock = clock
        self._ttl = ttl

    def beat(self, scheduler_id: str) -> None:
        self._redis.zadd(SCHEDULERS_KEY, {scheduler_id: self._clock.now()})

    def stop(self, scheduler_id: str) -> None:
        self._redis.zrem(SCHEDULERS_KEY, scheduler_id)

    def alive(self) -> list[str]:
        cutoff = self._clock.now() - self._ttl
        self._redis.zremrangebyscore(SCHEDULERS_KEY, "-inf", f"({cutoff}")
        return [m.decode() for m in self._redis.zrangebyscore(SCHEDULERS_KEY, cutoff, "+inf")]
