"""rq jobs of ringback: the queue they run on, and enqueueing each at most once.

Web requests and webhooks do no slow work inline; they enqueue a job here
and a worker (``ringback.worker``) runs it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

WORK_QUEUES = ("ringback",)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def unique_job_id(prefix: str, kind: str, subject: str) -> str:
    """``<prefix>-<kind>-<readable subject>-<hash>``: readable in rq's lists, unique."""
    digest = hashlib.blake2b(subject.encode(), digest_size=8).hexdigest()
    return f"{prefix}-{kind}-{_UNSAFE.sub('_', subject)[:60]}-{digest}"


class UniqueJobs:
    """Enqueues jobs of one module on the worker's queue, each id at most once.

    rq's atomic ``unique`` flag turns a second enqueue of an id that rq still
    holds into a no-op, so a button pressed twice or a webhook delivered twice
    gives one job; the jobs stay idempotent for the times rq no longer holds it.
    """

    def __init__(self, redis_client: redis.Redis, module: str, *, timeout: int,
                 queue_name: str = WORK_QUEUES[0]) -> None:
        self._queue = Queue(queue_name, connection=redis_client)
        self._module = module
        self._timeout = timeout

    def enqueue(self, func: str, ident: str, args: tuple[Any, ...], retries: int,
                kwargs: Mapping[str, Any] | None = None) -> bool:
        """True when the job was enqueued, False when rq already holds that id.

        ``retries`` 0 is a job rq never retries (rq's ``Retry`` refuses ``max=0``).
        """
        try:
            self._queue.enqueue_call(
                f"{self._module}.{func}", args=args, kwargs=dict(kwargs or {}), job_id=ident,
                timeout=self._timeout, retry=Retry(max=retries) if retries else None,
                description=f"{func}{args or tuple(kwargs or {})!r}", unique=True,
            )
        except DuplicateJobError:
            return False
        return True
