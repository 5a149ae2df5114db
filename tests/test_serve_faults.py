"""`ringback serve` heals: a part killed with SIGKILL is started again by itself.

The last test is issue 17's fault test: with 50 callers in the queue and 20
callbacks falling due one after another, the worker, the scheduler and the
embedded Redis of a running serve are killed in turn; serve must be healthy
again within 30 s of each kill, every callback must end as exactly one
ticket no more than 60 s after it was due, and the callers still waiting
must keep their places.  The callers are played by the terminal phone with
signed webhooks; the callbacks are made due by re-scheduling their expiry
deadlines through ringback's own Deadlines on serve's Redis (the shortest
RINGBACK_CALLBACK_EXPIRY_SECONDS is 60, too long for one test).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
import redis

from ringback.callbacks.records import CallbackRecords
from ringback.callbacks.service import entry_ref
from ringback.embedded_redis import EmbeddedRedis
from ringback.queue.models import EntryKind
from ringback.scheduler.deadlines import DeadlineKind
from ringback.services import Services
from ringback.settings import Settings
from ringback.store.callbacks import CallbackState
from ringback.supervisor import CRASH_LIMIT
from ringback.terminal_phone import TerminalPhone
from tests.serve_process import Serve, health, wait_for

pytestmark = pytest.mark.slow

RECOVERY_SECONDS = 30


def restarted(serve: Serve, name: str, old: int) -> int:
    """The new pid of ``name`` once serve started it again (serve itself still up)."""

    def probe() -> int | None:
        assert serve.proc is not None and serve.proc.poll() is None, \
            f"serve stopped when {name} died:\n{serve.log()[-3000:]}"
        pid = serve.part(name)
        return pid if pid and pid != old else None

    return wait_for(f"{name} started again", probe, RECOVERY_SECONDS)


@pytest.mark.parametrize("name", ["worker", "scheduler", "web"])
def test_serve_restarts_a_killed_part_and_logs_it(tmp_path, name):
    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        old = serve.kill_part(name)
        restarted(serve, name, old)
        serve.wait_healthy(RECOVERY_SECONDS)
        assert re.search(rf"{name} \(pid {old}\) was killed by SIGKILL; restarting it",
                         serve.log()), serve.log()[-3000:]
        assert serve.stop() == 0


def test_serve_restarts_a_killed_embedded_redis_from_its_aof(tmp_path):
    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        url = EmbeddedRedis(serve.data_dir).url
        redis.Redis.from_url(url).set("written before", "the kill")
        old = serve.kill_part("redis")
        restarted(serve, "redis", old)
        serve.wait_healthy(RECOVERY_SECONDS)
        assert redis.Redis.from_url(url).get("written before") == b"the kill"
        assert "embedded Redis was killed by SIGKILL" in serve.log()
        assert serve.stop() == 0


def test_serve_stops_when_a_part_keeps_dying(tmp_path):
    with Serve(tmp_path / "data") as serve:
        serve.wait_healthy()
        old = serve.kill_part("worker")
        for _ in range(CRASH_LIMIT - 1):
            old = restarted(serve, "worker", old)
            serve.kill_part("worker")
        assert serve.proc is not None
        assert serve.proc.wait(timeout=RECOVERY_SECONDS) == 1
        assert f"worker crashed {CRASH_LIMIT} times within 60 s; stopping ringback" in serve.log()
        assert health(serve.port) is None


CALLERS = 50
CALLBACKS = 20
LATE_AT_MOST = 60.0
API_TOKEN = "rb_fault_test_owner_token_0123456789abcdef"
SECRET = "fault-test-secret-key-0123456789abcdef0123456789"
BUSINESS = "+4930123456"
QUEUE = "support"


def caller_number(i: int) -> str:
    """A mobile number of its own thousand-block for each caller, so the callback
    limit per destination prefix (the number less its last 3 digits) never applies."""
    return f"+49151{10000000 + 1000 * i}"


def services_of(serve: Serve) -> Services:
    """ringback's own API on the running serve's Redis and database."""
    return Services.from_settings(Settings.from_env({
        "RINGBACK_DATA_DIR": str(serve.data_dir), "SECRET_KEY": SECRET,
        "REDIS_URL": EmbeddedRedis(serve.data_dir).url,
    }))


def configure_number(serve: Serve) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{serve.port}/api/v1/numbers/{BUSINESS}",
        data=json.dumps({"queue_id": QUEUE}).encode(), method="PUT",
        headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201)


def test_serve_recovers_from_killed_worker_scheduler_and_redis_with_callers_and_callbacks_due(
    tmp_path,
):
    env = {"RINGBACK_API_TOKEN": API_TOKEN, "SECRET_KEY": SECRET}
    with Serve(tmp_path / "data", env=env) as serve:
        serve.wait_healthy()
        configure_number(serve)
        base = f"http://127.0.0.1:{serve.port}"
        phone = TerminalPhone(base, auth_token=SECRET, public_url=base)
        calls = [phone.dial(BUSINESS, caller_number(i)) for i in range(CALLERS)]
        for call in calls[:CALLBACKS]:
            call.press("1")  # call me back on this number
            assert call.ended
        services = services_of(serve)
        callbacks = {e.caller: e for e in services.queue.entries(QUEUE)
                     if e.kind is EntryKind.CALLBACK}
        assert len(callbacks) == CALLBACKS

        # The callbacks fall due one after another while the parts are killed.
        start = time.time()
        due = {caller: start + 1 + i * 0.75 for i, caller in enumerate(sorted(callbacks))}
        for caller, entry in callbacks.items():
            services.deadlines.schedule(DeadlineKind.CALLBACK_EXPIRY,
                                        entry_ref(QUEUE, entry.entry_id), due[caller])

        # Each part is killed once some callbacks have become tickets, so that
        # more fall due while it is down and after it came back.
        recovered_in = {}
        for name, tickets_first in (("worker", 1), ("scheduler", 6), ("redis", 11)):
            wait_for(f"{tickets_first} tickets before killing the {name}",
                     lambda n=tickets_first: services.tickets.count(subject="Callback") >= n,
                     timeout=LATE_AT_MOST, every=0.1)
            old = serve.kill_part(name)
            killed_at = time.monotonic()
            restarted(serve, name, old)
            serve.wait_healthy(RECOVERY_SECONDS)
            recovered_in[name] = round(time.monotonic() - killed_at, 1)
            assert recovered_in[name] < RECOVERY_SECONDS, recovered_in
        print(f"healthy again after each kill within (s): {recovered_in}")

        # Every callback ends as exactly one ticket, none later than a minute.
        last_due = max(due.values())
        tickets = wait_for(
            "a ticket for every callback",
            lambda: (t if len(t := services.tickets.list(subject="Callback", limit=200))
                     >= CALLBACKS else None),
            timeout=max(10.0, last_due + LATE_AT_MOST - time.time()), every=0.5)
        assert sorted(t.requester for t in tickets) == sorted(callbacks)
        assert services.tickets.count() == CALLBACKS
        late = {t.requester: t.created_at.timestamp() - due[t.requester] for t in tickets}
        print(f"latest ticket {max(late.values()):.1f} s after its callback was due")
        assert all(0 <= s <= LATE_AT_MOST for s in late.values()), late
        records = CallbackRecords(services.db, services.clock)
        for entry in callbacks.values():  # the callback's own record says how it ended
            record = records.get(entry_ref(QUEUE, entry.entry_id))
            assert record is not None and record.state is CallbackState.EXPIRED, record
            assert record.ticket_id in {t.id for t in tickets}
        # The callers still waiting kept their places through the Redis restart.
        waiting = services.queue.entries(QUEUE)
        assert [e.caller for e in waiting] == [caller_number(i) for i in
                                               range(CALLBACKS, CALLERS)]
        assert serve.stop() == 0
