"""The helpdesk outbox's rq jobs: deliver a row, record and send a call event."""

from __future__ import annotations

from collections.abc import Mapping

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from ringback.errors import NotFound
from ringback.helpdesk.events import event_key
from ringback.helpdesk.outbox import CTI
from ringback.jobs import UniqueJobs, unique_job_id

MODULE = "ringback.helpdesk.jobs"
TIMEOUT_SECONDS = 60
# A delivery job that ended without counting its attempt: killed by its timeout,
# handed back by a dead or stopped worker. rq keeps it (a failed job for a year),
# and its id would refuse the sweep's next delivery of the row.
_ENDED = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


class HelpdeskJobs:
    def __init__(self, redis_client: redis.Redis, *, timeout: int = TIMEOUT_SECONDS) -> None:
        # No rq retries: a failure stays on the outbox row and the sweep retries it.
        self._redis = redis_client
        self._jobs = UniqueJobs(redis_client, MODULE, timeout=timeout)

    def deliver(self, row_id: int, attempts: int) -> bool:
        """Ask for one delivery of a row; a job of the same (row, attempts) that
        ended without counting its attempt is replaced, one still queued or
        running is left alone."""
        ident = unique_job_id("helpdesk", "deliver", f"{row_id}:{attempts}")
        if self._jobs.enqueue("deliver", ident, (row_id,), retries=0):
            return True
        try:
            held = Job.fetch(ident, connection=self._redis)
        except NoSuchJobError:
            held = None
        if held is not None and held.get_status(refresh=False) not in _ENDED:
            return False
        if held is not None:
            held.delete()
        return self._jobs.enqueue("deliver", ident, (row_id,), retries=0)

    def call_event(self, fields: Mapping[str, str], agent_id: str | None = None) -> object:
        return self._jobs.enqueue("call_event", unique_job_id("helpdesk", "event",
                                                              event_key(fields)),
                                  (dict(fields), agent_id), retries=3)


def deliver(row_id: int) -> bool:
    from ringback.worker import job_services

    return job_services().helpdesk_outbox.deliver(row_id)


def call_event(fields: dict[str, str], agent_id: str | None = None) -> int:
    """The event's outbox row (written once), whose delivery ``add`` asks for; an
    answer names its agent as ``user`` (Zammad shows it in the caller log)."""
    from ringback.worker import job_services

    services = job_services()
    if agent_id and agent_id.isdigit():
        try:
            fields = {**fields, "user": services.agents.get(int(agent_id)).name}
        except NotFound:
            pass  # the agent is gone: the event goes without a name
    return services.helpdesk_outbox.add(CTI, "event", event_key(fields), fields)
