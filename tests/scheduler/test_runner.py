"""The scheduler process's periodic jobs, built as `ringback scheduler` builds them."""

from __future__ import annotations

import dataclasses
import logging

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue

from ringback.agents import AgentDirectory
from ringback.console.sessions import IDLE_SECONDS, MAX_AGE_SECONDS, SessionStore
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.scheduler.runner import (
    SESSION_PURGE_SECONDS,
    TICKET_AUTO_CLOSE_SECONDS,
    build_scheduler,
)
from ringback.tickets.desk import SYSTEM
from ringback.worker import WORK_QUEUES

EXPIRY = DeadlineKind.CALLBACK_EXPIRY
RECORD = {EXPIRY: "tests.scheduler.jobs.record"}


def test_the_scheduler_sweeps_every_second_one_sweep_at_a_time(services):
    scheduler = build_scheduler(services, "test-scheduler", handlers=RECORD)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"heartbeat", "deadlines", "abandoned-jobs", "console-sessions",
                         "ticket-auto-close", "helpdesk-outbox"}
    sweep = jobs["deadlines"]
    assert sweep.trigger.interval.total_seconds() == 1
    assert (sweep.max_instances, sweep.coalesce) == (1, True)
    assert jobs["abandoned-jobs"].max_instances == 1


def test_the_sweep_job_hands_due_deadlines_to_the_workers(services, clock):
    Deadlines(services.redis, clock).schedule(EXPIRY, "q1:7", clock.now())
    scheduler = build_scheduler(services, "test-scheduler", handlers=RECORD)
    assert scheduler.get_job("deadlines").func() == 1
    assert Queue(WORK_QUEUES[0], connection=services.redis).count == 1


def test_a_sweep_while_redis_is_down_logs_one_line(services, caplog):
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5,
                       retry=Retry(NoBackoff(), 0))
    scheduler = build_scheduler(dataclasses.replace(services, redis=down), "test-scheduler",
                                handlers=RECORD)
    with caplog.at_level(logging.WARNING, logger="ringback.scheduler.runner"):
        assert scheduler.get_job("deadlines").func() == 0
        assert scheduler.get_job("abandoned-jobs").func() == 0
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "sweep skipped", "reap skipped"
    ]
    down.close()


def test_the_scheduler_purges_console_sessions_nobody_comes_back_to(services, clock):
    directory = AgentDirectory(services.db)
    owner = directory.create_owner("olivia@example.com", "Olivia Owner", "a long passphrase 1")
    sessions = SessionStore(services.db, clock)
    sessions.start(owner.id)  # left idle
    clock.advance(IDLE_SECONDS - 60)
    kept = sessions.start(owner.id)
    clock.advance(120)  # the first is now idle too long, the second is not
    purge = build_scheduler(services, "test-scheduler", handlers=RECORD).get_job(
        "console-sessions")
    assert purge.trigger.interval.total_seconds() == SESSION_PURGE_SECONDS

    assert purge.func() == 1
    assert sessions.resolve(kept) is not None
    assert len(sessions.for_agent(owner.id)) == 1
    clock.advance(MAX_AGE_SECONDS)
    assert purge.func() == 1
    assert sessions.for_agent(owner.id) == []


def test_the_scheduler_closes_tickets_past_their_pending_auto_close_time(services, clock):
    desk = services.ticket_desk
    ticket = desk.create({"subject": "Solved?", "requester": "+442071838750",
                          "state": "pending auto-close",
                          "pending_until": "2027-01-15T09:00:00Z"}, SYSTEM)
    close = build_scheduler(services, "test-scheduler", handlers=RECORD).get_job(
        "ticket-auto-close")
    assert close.trigger.interval.total_seconds() == TICKET_AUTO_CLOSE_SECONDS
    assert close.func() == 0
    clock.set(1_800_000_000 + 3600)  # 2027-01-15T09:00:00Z
    assert close.func() == 1
    assert desk.get(ticket.id).state == "closed successful"
    assert close.func() == 0
