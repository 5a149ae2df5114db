"""The scheduler process: periodic jobs driven by APScheduler.

Any number of scheduler processes may run; each beats its heartbeat so
/healthz can see it.  Every second each one sweeps due deadlines into rq
jobs (the Lua claim gives every deadline to exactly one of them), and every
few seconds it hands jobs of dead workers back to rq.  Every minute it
closes the tickets whose "pending auto-close" time has passed, and once an
hour it deletes expired console sessions (both safe to run in several
processes).

SIGTERM stops it within 10 s: the sweep in progress ends after its current
round (what it claimed is handed on and acked; the rest stays due for the
next scheduler), and the other jobs are waited for.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping

import redis
from apscheduler.schedulers.blocking import BlockingScheduler

from ringback.scheduler.abandoned import AbandonedJobs
from ringback.scheduler.deadlines import DeadlineKind
from ringback.scheduler.sweeper import DEFAULT_HANDLERS, Sweeper
from ringback.services import Services

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
SWEEP_SECONDS = 1
ABANDONED_JOBS_SECONDS = 15
SESSION_PURGE_SECONDS = 3600
TICKET_AUTO_CLOSE_SECONDS = 60
HELPDESK_OUTBOX_SECONDS = 15


def scheduler_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_scheduler(
    services: Services,
    ident: str,
    *,
    handlers: Mapping[DeadlineKind, str] = DEFAULT_HANDLERS,
    stop: threading.Event | None = None,
) -> BlockingScheduler:
    """The periodic jobs; setting ``stop`` ends a sweep in progress after its round."""
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        services.scheduler_heartbeat.beat, "interval", seconds=HEARTBEAT_SECONDS, args=[ident],
        id="heartbeat", max_instances=1, coalesce=True,
    )
    sweeper = Sweeper(services.redis, services.clock, services.deadlines, handlers, stop=stop)
    scheduler.add_job(
        _quietly(sweeper.sweep), "interval", seconds=SWEEP_SECONDS,
        id="deadlines", name="sweep deadlines", max_instances=1, coalesce=True,
    )
    abandoned = AbandonedJobs(services.redis, services.clock)
    scheduler.add_job(
        _quietly(abandoned.reap), "interval", seconds=ABANDONED_JOBS_SECONDS,
        id="abandoned-jobs", name="reap abandoned jobs", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        services.sessions.purge_expired, "interval", seconds=SESSION_PURGE_SECONDS,
        id="console-sessions", name="purge expired console sessions", max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _auto_close(services), "interval", seconds=TICKET_AUTO_CLOSE_SECONDS,
        id="ticket-auto-close", name="close tickets past their pending auto-close time",
        max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        _quietly(services.helpdesk_outbox.sweep), "interval", seconds=HELPDESK_OUTBOX_SECONDS,
        id="helpdesk-outbox", name="retry due helpdesk outbox rows", max_instances=1,
        coalesce=True,
    )
    return scheduler


def _auto_close(services: Services) -> Callable[[], int]:
    def close_expired_pending() -> int:
        return len(services.ticket_desk.close_expired_pending())

    return close_expired_pending


def _quietly(task: Callable[[], int]) -> Callable[[], int]:
    """One log line, not a traceback every second, while Redis is unreachable."""

    def run() -> int:
        try:
            return task()
        except redis.RedisError as exc:
            log.warning("%s skipped: redis: %s", getattr(task, "__name__", "task"), exc)
            return 0

    run.__name__ = getattr(task, "__name__", "task")
    return run


def run_scheduler(services: Services) -> None:
    ident = scheduler_id()
    heartbeat = services.scheduler_heartbeat
    heartbeat.beat(ident)
    stop = threading.Event()
    scheduler = build_scheduler(services, ident, stop=stop)
    log.info("scheduler %s started", ident)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler %s stopping", ident)
    finally:
        stop.set()
        if scheduler.running:
            scheduler.shutdown(wait=True)
        heartbeat.stop(ident)
