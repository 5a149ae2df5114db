"""Entry ids: minted from the clock and os.urandom, never counted in Redis; entries
joined under the old counter's ids keep working (issue 16, item 5)."""

from __future__ import annotations

import multiprocessing
from urllib.parse import quote

import redis

from ringback.calls.request import CallRequest
from ringback.clock import ManualClock
from ringback.queue.entry_ids import NEW_ENTRY_ID, is_entry_id, new_entry_id
from ringback.queue.models import EntryKind, EventType, QueueSettings
from ringback.queue.service import QueueService
from ringback.redis_keys import queue_keys


def test_ids_are_short_url_safe_and_sort_in_join_order_within_one_millisecond(
        queues, call, clock):
    queues.configure("sales", QueueSettings(max_size=100))
    joined = [queues.join("sales", call(n)).entry_id for n in range(30)]
    clock.advance(0.001)
    joined += [queues.join("sales", call(n)).entry_id for n in range(30, 60)]
    assert [e.entry_id for e in queues.entries("sales")] == joined
    assert sorted(joined) == joined and len(set(joined)) == 60
    for entry_id in joined:
        assert NEW_ENTRY_ID.fullmatch(entry_id) and is_entry_id(entry_id)
        assert len(entry_id) == 22 and quote(entry_id, safe="") == entry_id


def test_ids_follow_the_clock_not_the_order_of_minting():
    later = new_entry_id(1_900_000_000.0)
    assert new_entry_id(1_900_000_000.001) > later
    # A clock that goes back does not make an id that sorts before an earlier one.
    assert new_entry_id(1_800_000_000.0) > later


def _mint(count: int) -> list[str]:
    return [new_entry_id(1_800_000_000.0) for _ in range(count)]


def test_processes_minting_at_the_same_millisecond_never_repeat_an_id():
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        batches = pool.map(_mint, [2000] * 4)
    minted = [entry_id for batch in batches for entry_id in batch]
    assert len(set(minted)) == len(minted) == 8000


def test_a_join_makes_a_new_id_after_redis_forgot_the_counter(queues, call, redis_client):
    first = queues.join("sales", call(1))
    queues.leave("sales", first.entry_id)
    redis_client.hdel(queue_keys("sales").rec, "#seq")  # the counter of the old ids
    second = queues.join("sales", call(2))
    assert second.entry_id != first.entry_id
    assert [e.type for e in queues.events("sales") if e.entry_id == second.entry_id] == \
        [EventType.JOINED]


def _as_old_id(redis_client: redis.Redis, queues: QueueService, entry_id: str,
               old_id: str) -> None:
    """Store an entry the way the old JOIN did, under the counter's id ``old_id``."""
    keys = queue_keys("sales")
    raw = redis_client.hget(keys.rec, entry_id)
    entry = queues.get("sales", entry_id)
    assert raw is not None and entry is not None and entry.call_sid is not None
    score = redis_client.zscore(keys.wait, entry_id)
    pipe = redis_client.pipeline()
    pipe.hdel(keys.rec, entry_id)
    pipe.hset(keys.rec, mapping={old_id: raw, f"s:{entry.call_sid}": old_id, "#seq": 3})
    pipe.zrem(keys.wait, entry_id)
    pipe.zrem(keys.ready, entry_id)
    pipe.zadd(keys.wait, {old_id: score})
    pipe.zadd(keys.ready, {old_id: score})
    pipe.execute()


def test_entries_with_old_counter_ids_keep_working(queues, call, redis_client,
                                                   clock: ManualClock):
    old = queues.join("sales", call(1))
    gone = queues.join("sales", call(2))
    _as_old_id(redis_client, queues, old.entry_id, "a3")
    _as_old_id(redis_client, queues, gone.entry_id, "b1z")
    clock.advance(1)
    new = queues.join("sales", call(3))

    assert [e.entry_id for e in queues.entries("sales")] == ["a3", "b1z", new.entry_id]
    assert queues.entry_for_call("sales", old.call_sid).entry_id == "a3"
    assert queues.position("sales", "b1z") == 2
    assert queues.estimated_wait("sales", "b1z") is not None
    converted = queues.convert_to_callback("sales", "a3", "+14155550199")
    assert (converted.entry_id, converted.kind) == ("a3", EntryKind.CALLBACK)
    left = queues.leave("sales", "b1z")
    assert left is not None and left.entry_id == "b1z"
    assert [e.entry_id for e in queues.entries("sales")] == ["a3", new.entry_id]

    # The hold loop's waitUrl of a caller who joined before keeps naming the entry.
    req = CallRequest.from_twilio({"CallSid": old.call_sid}, {"entry": "b1z"})
    assert req.entry_id == "b1z"
