"""The outbox's deliveries as rq jobs run by real workers: a row is sent by the job,
and one whose job ended badly (a timeout, a killed worker, a row the code cannot
send) stays pending, shows why, and is delivered by a later job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rq.job import Job, JobStatus

from ringback.clock import ManualClock
from ringback.helpdesk.jobs import HelpdeskJobs
from ringback.helpdesk.outbox import ZENDESK, HelpdeskOutbox
from ringback.helpdesk.sink import HelpdeskTicketSink
from ringback.jobs import unique_job_id
from ringback.scheduler.abandoned import AbandonedJobs
from ringback.worker import make_worker

ROOT = Path(__file__).resolve().parents[2]
PHONE = "+442071838750"
TOKEN = "zd-token"


@pytest.fixture
def settings(settings, standin):
    return settings.with_changes(zendesk_url=standin.url, zendesk_email="bot@example.com",
                                 zendesk_token=TOKEN)


def _file_ticket(services, outbox: HelpdeskOutbox | None = None) -> int:
    """A ticket filed through the sink with Zendesk chosen (by default the app's
    own, whose outbox enqueues the delivery job); its outbox row."""
    outbox = outbox or services.helpdesk_outbox
    outbox.choose(ZENDESK)
    HelpdeskTicketSink(services.tickets, outbox).create_ticket(
        idempotency_key="callback:sales:1", subject="Callback", requester=PHONE,
        description="Nobody called back.")
    (row,) = outbox.unsent()
    return row.id


def _work(services) -> None:
    make_worker(services, simple=True).work(burst=True)


def test_the_delivery_job_sends_the_row_through_a_real_worker(services, standin):
    row = _file_ticket(services)
    standin.answer(200, json.dumps({"users": []}))
    standin.answer(201, json.dumps({"ticket": {"id": 4242}}))
    _work(services)

    assert [(s.method, s.path) for s in standin.seen] == [
        ("GET", "/api/v2/users/search.json"), ("POST", "/api/v2/tickets.json")]
    item = services.helpdesk_outbox.get(row)
    assert (item.status, item.remote_id, item.attempts) == ("sent", "4242", 1)


def test_a_row_the_code_cannot_send_keeps_its_error_and_backs_off(db, clock, settings):
    asked: list = []
    outbox = HelpdeskOutbox(db, clock, settings, enqueue=lambda row, n: asked.append((row, n)))
    row = outbox.add(ZENDESK, "ticket", "zendesk:ticket:broken", {"subject": "no requester"})

    assert not outbox.deliver(row)
    item = outbox.get(row)
    assert (item.status, item.attempts) == ("pending", 1)
    assert item.last_error == "KeyError: 'requester'"
    assert item.next_attempt_at.timestamp() == clock.now() + 30


def test_a_delivery_past_its_job_timeout_stays_pending_with_the_timeout(services, standin):
    quick = HelpdeskJobs(services.redis, timeout=1)
    row = _file_ticket(services, HelpdeskOutbox(services.db, services.clock, services.settings,
                                                enqueue=quick.deliver))
    slow = threading.Event()
    standin.answer(200, json.dumps({"users": []}), hold=slow)
    try:
        _work(services)
    finally:
        slow.set()

    item = services.helpdesk_outbox.get(row)
    assert (item.status, item.attempts) == ("pending", 1)
    assert item.last_error.startswith("JobTimeoutException")


@pytest.mark.slow
def test_a_delivery_whose_worker_was_killed_mid_request_is_delivered_again(
    services, settings, standin, tmp_path
):
    row = _file_ticket(services)  # its job waits in rq
    slow = threading.Event()
    standin.answer(200, json.dumps({"users": []}), hold=slow)
    worker = _start_worker(settings, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not standin.seen:  # the worker is in the middle of the first request
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        slow.set()
    # The scheduler's reaper hands the dead worker's job to rq's failure path.
    assert AbandonedJobs(services.redis, ManualClock(time.time() + 120)).reap() == 1
    job = Job.fetch(unique_job_id("helpdesk", "deliver", f"{row}:0"), connection=services.redis)
    assert job.get_status() == JobStatus.FAILED
    assert services.helpdesk_outbox.get(row).attempts == 0  # the row never heard of it

    # The sweep asks for the row again; rq's failed job of that id does not refuse it.
    assert services.helpdesk_outbox.sweep() == 1
    standin.answer(200, json.dumps({"users": []}))
    standin.answer(201, json.dumps({"ticket": {"id": 7}}))
    _work(services)
    item = services.helpdesk_outbox.get(row)
    assert (item.status, item.remote_id) == ("sent", "7")
    assert [s.path for s in standin.seen].count("/api/v2/tickets.json") == 1


def _start_worker(settings, tmp_path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.database_url,
        "RINGBACK_DATA_DIR": str(tmp_path / "worker"),
        "SECRET_KEY": settings.secret_key,
        "RINGBACK_ZENDESK_URL": str(settings.zendesk_url),
        "RINGBACK_ZENDESK_EMAIL": str(settings.zendesk_email),
        "RINGBACK_ZENDESK_TOKEN": TOKEN,
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    })
    with open(tmp_path / "worker.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "ringback", "worker"],
                                cwd=ROOT, env=env, stdout=log, stderr=log)
