"""A live call's departures (max wait, hang-up) must never drop the entry once it became
a callback: the kind is checked inside the DROP script, not before it (issue 16, item 4).
Otherwise the callback vanishes with no SQL record and no ticket."""

from __future__ import annotations

import dataclasses
import threading

from ringback.callbacks.service import entry_ref
from ringback.calls.departures import Departures
from ringback.calls.index import CallIndex, QueueExit
from ringback.errors import Conflict, NotFound
from ringback.queue.models import EntryKind, EntryState, NewEntry, QueueSettings
from ringback.redis_connection import connect
from ringback.scheduler.deadlines import DeadlineKind
from ringback.telephony import SimulatedTelephony
from tests.callbacks.conftest import BUSINESS, QUEUE

CALLBACK_NUMBER = "+4917612345678"
ROUNDS = 150


def _join(services, n: int = 1):
    sid = f"CA{n:032x}"
    entry = services.queue.join(QUEUE, NewEntry(call_sid=sid, caller="+4915111111111",
                                                dialled=BUSINESS))
    CallIndex(services.redis).joined(sid, QUEUE, entry.entry_id)
    return entry


def test_a_max_wait_overflow_after_the_caller_became_a_callback_keeps_the_callback(desk):
    s = desk.services
    departures = Departures(queue=s.queue, deadlines=s.deadlines, calls=CallIndex(s.redis),
                            route=lambda _queue_id: None)
    seen = _join(s)  # what the hold round read: a live caller at max wait
    desk.callbacks.request(QUEUE, seen.entry_id, CALLBACK_NUMBER)  # 1, right then
    CallIndex(s.redis).left(seen.call_sid, QueueExit.CALLBACK, seen.entry_id)

    departures.overflow(seen.call_sid, QUEUE, seen)

    entry = s.queue.get(QUEUE, seen.entry_id)
    assert entry is not None and (entry.kind, entry.state) == \
        (EntryKind.CALLBACK, EntryState.WAITING)
    assert CallIndex(s.redis).get(seen.call_sid).outcome is QueueExit.CALLBACK
    desk.work()
    assert desk.record(entry_ref(QUEUE, seen.entry_id)).callback_number == CALLBACK_NUMBER


def test_a_hang_up_never_abandons_a_callback(desk):
    s = desk.services
    entry = _join(s)
    desk.callbacks.request(QUEUE, entry.entry_id, CALLBACK_NUMBER)
    assert s.queue.leave(QUEUE, entry.entry_id) is None
    assert s.queue.get(QUEUE, entry.entry_id).kind is EntryKind.CALLBACK  # type: ignore[union-attr]


def test_max_wait_racing_a_callback_request_never_loses_the_callback(desk, redis_url):
    """Many rounds, each a fresh live caller whose max wait is due while the caller
    presses 1; the scheduler's job and the webhook run in two threads, each on its own
    connection. Whenever the request succeeded, the callback must still be queued."""
    s = desk.services
    s.queue.configure(QUEUE, QueueSettings(max_size=ROUNDS + 10))
    lost: list[str] = []
    converted = 0
    for n in range(ROUNDS):
        entry = _join(s, n)
        s.deadlines.schedule(DeadlineKind.QUEUE_MAX_WAIT, entry_ref(QUEUE, entry.entry_id),
                             entry.enqueued_at)
        if _race(s, redis_url, entry.entry_id, entry.enqueued_at):
            converted += 1
            now = s.queue.get(QUEUE, entry.entry_id)
            if now is None or now.kind is not EntryKind.CALLBACK:
                lost.append(entry.entry_id)
            s.queue.remove(QUEUE, entry.entry_id)  # the next round's number is free
    assert lost == [], f"{len(lost)} of {converted} callbacks vanished ({ROUNDS} rounds)"
    assert converted > 0


def _race(services, redis_url: str, entry_id: str, due: float) -> bool:
    """The max-wait job and the callback request at once; whether the request succeeded."""
    barrier = threading.Barrier(2)
    converted: list[bool] = []

    def scheduler() -> None:
        own = _own_services(services, redis_url)
        timers = own.queue_timers
        try:
            barrier.wait(10)
            timers.max_wait_reached(entry_ref(QUEUE, entry_id), due)
        finally:
            own.redis.close()

    def webhook() -> None:
        own = _own_services(services, redis_url)
        try:
            barrier.wait(10)
            own.callbacks.request(QUEUE, entry_id, CALLBACK_NUMBER)
            converted.append(True)
        except (NotFound, Conflict):
            converted.append(False)
        finally:
            own.redis.close()

    threads = [threading.Thread(target=scheduler), threading.Thread(target=webhook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    return converted == [True]


def _own_services(services, redis_url: str):
    """The services of another process on the same Redis, without the hourly request
    limits (one caller asks in every round)."""
    client = connect(redis_url)
    unlimited = dataclasses.replace(services.settings, callback_limit_per_caller=0,
                                    callback_limit_per_number=0, callback_limit_per_prefix=0)
    return dataclasses.replace(services, settings=unlimited, redis=client,
                               telephony=SimulatedTelephony(client, services.clock))
