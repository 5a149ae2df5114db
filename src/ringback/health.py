"""Health of an installation: Redis, the database, workers and schedulers.

``/healthz`` answers without authentication, so a failure names the part and
the kind of error only; the exception itself, with the socket path, host or
port it names, goes to the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis
from rq import Worker

from ringback.clock import Clock
from ringback.scheduler.heartbeat import SchedulerHeartbeat
from ringback.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    components: dict[str, dict[str, Any]]

    @property
    def ok(self) -> bool:
        return all(c["status"] == "up" for c in self.components.values())

    def to_json(self) -> dict[str, Any]:
        return {"status": "up" if self.ok else "down", "components": self.components}


class HealthCheck:
    def __init__(self, redis_client: redis.Redis, db: Database, clock: Clock) -> None:
        self._redis = redis_client
        self._db = db
        self._clock = clock

    def run(self) -> Health:
        components: dict[str, dict[str, Any]] = {}
        redis_up = _check(components, "redis", "Redis", self._redis.ping)
        _check(components, "database", "the database", self._db.ping)
        if redis_up:
            workers = Worker.all(connection=self._redis)
            components["workers"] = _count(len(workers))
            alive = SchedulerHeartbeat(self._redis, self._clock).alive()
            components["scheduler"] = _count(len(alive))
        else:
            components["workers"] = {"status": "unknown", "error": "redis is down"}
            components["scheduler"] = {"status": "unknown", "error": "redis is down"}
        return Health(components)


def _check(components: dict[str, dict[str, Any]], name: str, label: str, probe: Any) -> bool:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means down
        log.warning("health check: %s is down: %s: %s", name, type(exc).__name__, exc)
        components[name] = {"status": "down", "error": f"cannot reach {label} "
                            f"({type(exc).__name__}); the web process's log has the detail"}
        return False
    components[name] = {"status": "up"}
    return True


def _count(n: int) -> dict[str, Any]:
    return {"status": "up" if n > 0 else "down", "count": n}
