"""Operation cost does not grow with the queue: at 100 and at 100,000 waiting
entries, join, position, offer, accept and complete run exactly the same Redis
commands, the same number of times, and each of those commands is O(1) or
O(log N) (ranges are bounded).  Timings live in benchmarks/queue_bench.py.
"""

from __future__ import annotations

from collections import Counter

import pytest
import redis

from ringback.clock import ManualClock
from ringback.queue.models import AgentState, NewEntry, QueueSettings
from ringback.queue.service import QueueService
from ringback.redis_keys import queue_keys


@pytest.fixture
def redis_client(private_redis_client: redis.Redis) -> redis.Redis:
    """This module counts the server's commands: a server no other test process uses."""
    return private_redis_client


# Commands whose cost per call is O(1) or O(log N) as the engine uses them
# (ZRANGE only with a bounded range, XADD with approximate trimming).
BOUNDED = {
    "evalsha", "hget", "hmget", "hset", "hdel", "hincrby", "zadd", "zrem", "zrank",
    "zcard", "zrange", "sismember", "smembers", "sadd", "srem", "xadd",
}  # fmt: skip


def command_calls(client: redis.Redis) -> Counter:
    stats = client.info("commandstats")
    return Counter({name[len("cmdstat_") :]: s["calls"] for name, s in stats.items()})


def cost_once(client: redis.Redis, operation) -> tuple[Counter, object]:
    before = command_calls(client)
    result = operation()
    delta = command_calls(client) - before
    delta.pop("info", None)
    return delta, result


def least(runs: list[Counter]) -> Counter:
    """Per command, the least calls seen: stray clients of a shared server only add."""
    return Counter({cmd: min(r[cmd] for r in runs) for cmd in set().union(*runs)})


def cost(client: redis.Redis, operation, then=lambda result: None) -> Counter:
    """Commands the server ran for one operation, over three runs; ``then`` runs
    unmeasured after each, to restore the starting state."""
    runs = []
    for _ in range(3):
        delta, result = cost_once(client, operation)
        runs.append(delta)
        then(result)
    return least(runs)


def profile(client: redis.Redis, waiting: int) -> dict[str, Counter]:
    queue_id = f"q{waiting}"
    service = QueueService(client, ManualClock())
    service.configure(queue_id, QueueSettings(max_size=waiting + 100, wrap_up_seconds=0))
    service.join_many(
        queue_id, (NewEntry(call_sid=f"CA{n:032x}", caller="+14155550100") for n in range(waiting))
    )
    service.set_agent_state("ann", AgentState.AVAILABLE, [queue_id])
    joined = []
    profiles = {
        "join": cost(
            client,
            lambda: joined.append(service.join(queue_id, NewEntry(call_sid=f"CAx{len(joined)}"))),
        ),
        "position": cost(client, lambda: service.position(queue_id, joined[-1].entry_id)),
    }

    def finish(offer) -> None:
        assert offer is not None and offer.agent_id == "ann"
        assert service.accept(queue_id, offer.entry_id, "ann")
        assert service.complete(queue_id, offer.entry_id, "ann", 10.0)

    profiles["offer"] = cost(client, lambda: service.offer_next(queue_id), finish)
    return profiles


@pytest.mark.slow
def test_join_position_and_offer_cost_the_same_at_100_and_100000_waiting(redis_client):
    small = profile(redis_client, 100)
    redis_client.flushdb()
    big = profile(redis_client, 100_000)
    assert redis_client.zcard(queue_keys("q100000").wait) >= 100_000
    for op in ("join", "position", "offer"):
        assert big[op] == small[op], op
        assert set(big[op]) <= BOUNDED, op
    assert big["position"] == Counter({"zrank": 1})


def test_accept_and_complete_cost_the_same_at_any_size(redis_client):
    service = QueueService(redis_client, ManualClock())
    service.configure("q", QueueSettings(max_size=10_000, wrap_up_seconds=0))
    service.set_agent_state("ann", AgentState.AVAILABLE, ["q"])
    profiles = []
    for size in (10, 5_000):
        service.join_many(
            "q", (NewEntry(call_sid=f"CA{size}-{n}") for n in range(size - service.size("q")))
        )
        accepts, completes = [], []
        for _ in range(3):
            entry_id = service.entries("q", limit=1)[0].entry_id
            accepted, ok = cost_once(
                redis_client, lambda: service.accept("q", entry_id, "ann")  # noqa: B023
            )
            completed, done = cost_once(
                redis_client, lambda: service.complete("q", entry_id, "ann", 1.0)  # noqa: B023
            )
            assert ok and done
            accepts.append(accepted)
            completes.append(completed)
        profiles.append((least(accepts), least(completes)))
    assert profiles[0] == profiles[1]
    assert set(profiles[0][0]) | set(profiles[0][1]) <= BOUNDED


def test_memory_per_waiting_entry_stays_under_one_kib(redis_client):
    service = QueueService(redis_client, ManualClock())
    service.configure("mem", QueueSettings(max_size=20_000))
    n = 10_000
    service.join_many(
        "mem",
        (
            NewEntry(
                call_sid=f"CA{i:032x}",
                caller=f"+1415{i:07d}",
                dialled="+14155550100",
                language="en-US",
            )
            for i in range(n)
        ),
    )
    keys = queue_keys("mem").all()
    used = sum(redis_client.memory_usage(k, samples=0) or 0 for k in keys)
    assert used / n < 1024
