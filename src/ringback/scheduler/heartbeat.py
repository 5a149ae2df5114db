"""Scheduler liveness, kept in Redis so /healthz sees every scheduler process.

Keys: ``SchedulerKeys.schedulers`` (``redis_keys``), a zset of scheduler id ->
time of its last beat.
"""

from __future__ import annotations

import redis

from ringback.clock import Clock
from ringback.redis_keys import SchedulerKeys


class SchedulerHeartbeat:
    """Each scheduler process beats every few seconds; a silent one is dead."""

    def __init__(self, redis_client: redis.Redis, clock: Clock, *, ttl: float = 30.0) -> None:
        self._redis = redis_client
        self._clock = clock
        self._ttl = ttl

    def beat(self, scheduler_id: str) -> None:
        self._redis.zadd(SchedulerKeys.schedulers, {scheduler_id: self._clock.now()})

    def stop(self, scheduler_id: str) -> None:
        self._redis.zrem(SchedulerKeys.schedulers, scheduler_id)

    def alive(self) -> list[str]:
        cutoff = self._clock.now() - self._ttl
        self._redis.zremrangebyscore(SchedulerKeys.schedulers, "-inf", f"({cutoff}")
        beating = self._redis.zrangebyscore(SchedulerKeys.schedulers, cutoff, "+inf")
        return [m.decode() for m in beating]
