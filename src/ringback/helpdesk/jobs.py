"""The helpdesk outbox's rq jobs: deliver a row, record and send a call event."""

from __future__ import annotations

from collections.abc import Mapping

import redis

from ringback.helpdesk.events import event_key
from ringback.helpdesk.outbox import CTI
from ringback.jobs import UniqueJobs, unique_job_id

MODULE = "ringback.helpdesk.jobs"
TIMEOUT_SECONDS = 60


class HelpdeskJobs:
    def __init__(self, redis_client: redis.Redis) -> None:
        # No rq retries: a failure stays on the outbox row and the sweep retries it.
        self._jobs = UniqueJobs(redis_client, MODULE, timeout=TIMEOUT_SECONDS)

    def deliver(self, row_id: int, attempts: int) -> object:
        return self._jobs.enqueue("deliver", unique_job_id("helpdesk", "deliver",
                                                           f"{row_id}:{attempts}"),
                                  (row_id,), retries=0)

    def call_event(self, fields: Mapping[str, str]) -> object:
        return self._jobs.enqueue("call_event", unique_job_id("helpdesk", "event",
                                                              event_key(fields)),
                                  (dict(fields),), retries=3)


def deliver(row_id: int) -> bool:
    from ringback.worker import job_services

    return job_services().helpdesk_outbox.deliver(row_id)


def call_event(fields: dict[str, str]) -> int:
    """The event's outbox row (written once), whose delivery ``add`` asks for."""
    from ringback.worker import job_services

    return job_services().helpdesk_outbox.add(CTI, "event", event_key(fields), fields)
