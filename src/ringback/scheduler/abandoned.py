"""Abandoned rq jobs: jobs whose worker died mid-way (SIGKILL, OOM, a lost host).

How rq 3.0 finds them: a worker files each execution in the queue's
StartedJobRegistry, scored by when its heartbeat runs out (at least 60 s
ahead), and a live worker pushes that score on while the job runs.  When the
whole worker dies, the score stops moving.  ``StartedJobRegistry.cleanup(t)``
takes every execution whose score is before ``t`` and whose job still says
STARTED: the job is retried when it has retries left, else it goes to the
FailedJobRegistry as an AbandonedJobError.  (When only the forked work horse
dies, the worker that forked it fails or retries the job at once itself.)

rq runs that cleanup only in workers' maintenance, at start-up and then every
10 minutes, so a deadline job whose worker was killed could sit for that
long.  The scheduler runs it every few seconds instead, under rq's own
maintenance lock so a worker cleaning at the same time is not doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis
from rq import Queue
from rq.registry import StartedJobRegistry

from ringback.clock import Clock
from ringback.worker import WORK_QUEUES

log = logging.getLogger(__name__)


class AbandonedJobs:
    """Hands jobs of dead workers back to rq's failure path: retry or FailedJobRegistry."""

    def __init__(
        self,
        redis_client: redis.Redis,
        clock: Clock,
        queue_names: Sequence[str] = WORK_QUEUES,
    ) -> None:
        self._clock = clock
        self._queues = [Queue(name, connection=redis_client) for name in queue_names]

    def abandoned(self) -> list[str]:
        """Ids of started jobs whose worker has stopped beating, as of now."""
        now = self._clock.now()
        found: list[str] = []
        for queue in self._queues:
            found.extend(StartedJobRegistry(queue=queue).get_expired_job_ids(now))
        return found

    def reap(self) -> int:
        """Retry or fail every abandoned job; returns how many executions were looked at."""
        now = self._clock.now()
        reaped = 0
        for queue in self._queues:
            registry = StartedJobRegistry(queue=queue)
            expired = registry.get_expired_job_ids(now)
            if not expired or not queue.acquire_maintenance_lock():
                continue
            try:
                registry.cleanup(timestamp=now)
            finally:
                queue.release_maintenance_lock()
            log.warning("abandoned jobs handed back to rq on %s: %s", queue.name,
                        ", ".join(expired))
            reaped += len(expired)
        return reaped
