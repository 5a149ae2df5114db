"""Redis restarted (AOF on, as the embedded server runs): queues and deadlines survive,
and the expiry still happens once, on time."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
import redis

from ringback.callbacks.enqueue import CallbackJobs
from ringback.callbacks.service import CallbackService, entry_ref
from ringback.embedded_redis import EmbeddedRedis
from ringback.queue.models import EntryKind, NewEntry, QueueSettings
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.scheduler.sweeper import DEFAULT_HANDLERS, Sweeper
from ringback.services import Services
from ringback.telephony import SimulatedTelephony
from ringback.tickets import BuiltinTicketSink
from ringback.worker import make_worker
from tests.callbacks.conftest import BUSINESS, QUEUE

EXPIRY = DeadlineKind.CALLBACK_EXPIRY


@pytest.fixture
def server(tmp_path) -> Iterator[EmbeddedRedis]:
    embedded = EmbeddedRedis(tmp_path / "aof")
    embedded.start()
    try:
        yield embedded
    finally:
        embedded.stop()


def _services(settings, db, clock, url: str) -> Services:
    client = redis.Redis.from_url(url)
    return Services(settings=settings, redis=client, db=db, clock=clock,
                    telephony=SimulatedTelephony(client, clock))


def _fill(services: Services) -> tuple[list[str], str, float]:
    queue = services.queue
    queue.configure(QUEUE, QueueSettings(max_size=50, wrap_up_seconds=45))
    ids = [queue.join(QUEUE, NewEntry(call_sid=f"CA{i:032d}", caller=f"+49151000000{i:02d}",
                                      dialled=BUSINESS)).entry_id for i in range(3)]
    callbacks = CallbackService(queue, services.deadlines, expiry_seconds=3600,
                                jobs=CallbackJobs(services.redis))
    callbacks.request(QUEUE, ids[1], "+4915100000001")
    ref = entry_ref(QUEUE, ids[1])
    due = services.deadlines.due_at(EXPIRY, ref)
    assert due is not None
    return ids, ref, due


def _assert_intact(services: Services, ids: list[str], ref: str, due: float) -> None:
    queue = QueueService(services.redis, services.clock)
    assert [e.entry_id for e in queue.entries(QUEUE)] == ids
    callback = queue.get(QUEUE, ids[1])
    assert callback is not None and callback.kind is EntryKind.CALLBACK
    assert callback.callback_number == "+4915100000001"
    assert queue.position(QUEUE, ids[1]) == 2
    assert queue.settings(QUEUE).wrap_up_seconds == 45
    assert Deadlines(services.redis, services.clock).due_at(EXPIRY, ref) == due


@pytest.mark.parametrize("how", ["shutdown", "sigkill"])
def test_queues_and_deadlines_survive_a_redis_restart(server, settings, db, clock, how):
    before = _services(settings, db, clock, server.url)
    ids, ref, due = _fill(before)
    before.redis.close()

    if how == "sigkill":
        # Written to the AOF before each reply; a killed server loses nothing the
        # kernel holds (only a machine crash could cost the last second).
        assert server.pid is not None
        os.kill(server.pid, signal.SIGKILL)
        server.stop()  # reaps the killed process
        # The dead server's socket file stays; probing it costs redis-py's retries
        # (seconds), so it goes, as a supervisor restarting the server would do.
        os.unlink(server.socket_path)
    else:
        server.stop()
    assert server.start()

    after = _services(settings, db, clock, server.url)
    try:
        _assert_intact(after, ids, ref, due)
        # And the scheduler still expires it exactly when due.
        sweeper = Sweeper(after.redis, clock, Deadlines(after.redis, clock), DEFAULT_HANDLERS)
        clock.set(due - 1)
        assert sweeper.sweep() == 0
        clock.set(due)
        assert sweeper.sweep() == 1
        make_worker(after, simple=True).work(burst=True)
        (ticket,) = BuiltinTicketSink(db, clock).list(subject="Callback")
        assert ticket.data["callback_ref"] == ref
        assert after.queue.position(QUEUE, ids[1]) is None
        assert after.queue.position(QUEUE, ids[2]) == 2
    finally:
        after.redis.close()
