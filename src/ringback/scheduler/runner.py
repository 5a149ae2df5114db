"""The scheduler process: periodic jobs driven by APScheduler.

Any number of scheduler processes may run; each beats its heartbeat so
/healthz can see it.  Deadline sweeping is added as further periodic jobs.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

from apscheduler.schedulers.blocking import BlockingScheduler

from ringback.scheduler.heartbeat import SchedulerHeartbeat
from ringback.services import Services

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5


def scheduler_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_scheduler(services: Services, ident: str) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    heartbeat = SchedulerHeartbeat(services.redis, services.clock)
    scheduler.add_job(
        heartbeat.beat, "interval", seconds=HEARTBEAT_SECONDS, args=[ident],
        id="heartbeat", max_instances=1, coalesce=True,
    )
    return scheduler


def run_scheduler(services: Services) -> None:
    ident = scheduler_id()
    heartbeat = SchedulerHeartbeat(services.redis, services.clock)
    heartbeat.beat(ident)
    scheduler = build_scheduler(services, ident)
    log.info("scheduler %s started", ident)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        heartbeat.stop(ident)
