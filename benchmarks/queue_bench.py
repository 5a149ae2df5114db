"""Queue engine benchmark: cycle throughput against raw redis-py, cost at 100 vs
100,000 waiting entries, and Redis memory per waiting entry.

    python benchmarks/queue_bench.py            # embedded Redis in a temp folder
    REDIS_URL=redis://127.0.0.1:6379/0 python benchmarks/queue_bench.py

A cycle operation is one of join / position / offer / accept / complete (the
queue runs with no wrap-up, so a completed agent is at once available again);
the baseline is single ZADD / ZRANK calls through redis-py on the same server
in the same run.  The output starts with what each side sends to Redis, read
from the server's INFO commandstats around one cycle: four of the queue's five
operations are Lua scripts, and position is the same single ZRANK the baseline
makes, so the ratio is that of a mix, not of five scripts.  Both are measured
in fine alternation (one cycle, then five raw calls) so that they share the
machine's load.  With the embedded server the run is
repeated with client and server pinned to one CPU, where round trips cost no
cross-core wake-up and the figure is CPU per operation: the least favourable
case for the queue, printed on its own line.  The last line is the summary the issue asks for.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from ringback.clock import SystemClock
from ringback.embedded_redis import EmbeddedRedis
from ringback.queue.models import AgentState, EntryKind, NewEntry, QueueSettings
from ringback.queue.service import QueueService
from ringback.redis_keys import PREFIX

ROUNDS = 5
CYCLES_PER_ROUND = 2000
RAW_PER_ROUND = 5000
SCALE_SAMPLES = 2000
BIG = 100_000
SMALL = 100


@contextmanager
def server() -> Iterator[tuple[str, int | None]]:
    """The Redis to measure: REDIS_URL, or an embedded one (with its pid)."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url, None
        return
    with tempfile.TemporaryDirectory() as tmp:
        embedded = EmbeddedRedis(tmp)
        embedded.start()
        try:
            yield embedded.url, embedded.pid
        finally:
            embedded.stop()


@contextmanager
def one_core(server_pid: int) -> Iterator[None]:
    """Client and server on the same CPU: no cross-core wake-ups, so the figure
    measures CPU spent per operation (the least favourable case for the queue)."""
    mine = os.sched_getaffinity(0)
    theirs = os.sched_getaffinity(server_pid)
    cpu = min(mine)
    os.sched_setaffinity(0, {cpu})
    os.sched_setaffinity(server_pid, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, mine)
        os.sched_setaffinity(server_pid, theirs)


def new_entry(i: int, run: str) -> NewEntry:
    if i % 4 == 3:
        return NewEntry(
            call_sid=f"CA{uuid.uuid4().hex}",
            caller=f"+1415{i % 10_000_000:07d}",
            kind=EntryKind.CALLBACK,
            callback_number=f"+1628{i % 10_000_000:07d}",
            language="en-US",
            dialled="+14155550100",
        )
    return NewEntry(
        call_sid=f"CA{uuid.uuid4().hex}",
        caller=f"+1415{i % 10_000_000:07d}",
        language="en-US",
        dialled="+14155550100",
    )


def throughput(
    client: redis.Redis, service: QueueService, queue_id: str, agent: str, raw_key: str
) -> tuple[float, float, list[float]]:
    """Cycle and raw operations per second, measured in fine alternation.

    Each iteration times one queue cycle (join, position, offer, accept,
    complete: five operations) and then five single redis-py calls (ZADD and
    ZRANK alternating), so both see the same machine load.  Returns (cycle ops/s,
    raw ops/s, the ratio of each round).
    """
    clock = time.perf_counter
    cycle_total = raw_total = 0.0
    ratios = []
    n = 0
    service.position(queue_id, "a1")  # loads the scripts before the clock runs
    for _ in range(ROUNDS):
        cycle_time = raw_time = 0.0
        entries = [new_entry(n + i, queue_id) for i in range(CYCLES_PER_ROUND)]
        for new in entries:
            t0 = clock()
            entry = service.join(queue_id, new)
            service.position(queue_id, entry.entry_id)
            offer = service.offer_next(queue_id)
            accepted = offer is not None and service.accept(queue_id, offer.entry_id, agent)
            done = accepted and service.complete(queue_id, offer.entry_id, agent, 120.0)
            t1 = clock()
            member = f"m{n}"
            client.zadd(raw_key, {member: n})
            client.zrank(raw_key, member)
            client.zadd(raw_key, {member: n + 1})
            client.zrank(raw_key, member)
            client.zadd(raw_key, {member: n + 2})
            t2 = clock()
            assert done, "the cycle must run end to end"
            cycle_time += t1 - t0
            raw_time += t2 - t1
            n += 1
        ratios.append(raw_time / cycle_time)
        cycle_total += cycle_time
        raw_total += raw_time
        client.delete(raw_key)
    ops = 5 * ROUNDS * CYCLES_PER_ROUND
    return ops / cycle_total, ops / raw_total, ratios


def commands_sent(client: redis.Redis, operation) -> str:
    """What ``operation()`` sent to Redis, from INFO commandstats before and after:
    for example ``evalsha x1``.  The INFO calls themselves are left out."""
    def calls() -> dict[str, int]:
        return {name.removeprefix("cmdstat_"): stats["calls"]
                for name, stats in client.info("commandstats").items()}

    before = calls()
    operation()
    after = calls()
    sent = {name: after[name] - before.get(name, 0) for name in after}
    sent["info"] = sent.get("info", 0) - 1  # the second INFO, counted before it ran
    return ", ".join(f"{name} x{n}" for name, n in sorted(sent.items()) if n > 0)


def describe_cycle(client: redis.Redis, service: QueueService, queue_id: str, agent: str,
                   raw_key: str) -> list[str]:
    """One line per operation of each side, naming the Redis commands it sends."""
    entry_ids: list[str] = []
    offers: list = []
    queue_side = [
        ("join", lambda: entry_ids.append(service.join(queue_id, new_entry(0, queue_id))
                                          .entry_id)),
        ("position", lambda: service.position(queue_id, entry_ids[0])),
        ("offer", lambda: offers.append(service.offer_next(queue_id))),
        ("accept", lambda: service.accept(queue_id, offers[0].entry_id, agent)),
        ("complete", lambda: service.complete(queue_id, offers[0].entry_id, agent, 120.0)),
    ]
    raw_side = [
        ("ZADD", lambda: client.zadd(raw_key, {"m": 1})),
        ("ZRANK", lambda: client.zrank(raw_key, "m")),
    ]
    lines = ["what each side sends to Redis (INFO commandstats around one call):"]
    lines += [f"  queue cycle  {name:<9} {commands_sent(client, op)}" for name, op in queue_side]
    lines += [f"  raw baseline {name:<9} {commands_sent(client, op)}" for name, op in raw_side]
    lines.append("  (beside evalsha, the commands run inside its Lua script: one round trip "
                 "an operation on both sides;")
    lines.append("   a cycle is the five queue operations; the baseline alternates "
                 "ZADD, ZRANK, ZADD, ZRANK, ZADD)")
    client.delete(raw_key)
    return lines


def per_op_micros(service: QueueService, queue_id: str, agent: str) -> dict[str, float]:
    """Median microseconds of join, position and offer at the queue's current size."""
    samples: dict[str, list[float]] = {"join": [], "position": [], "offer": []}
    clock = time.perf_counter
    entries = [new_entry(10_000_000 + i, queue_id) for i in range(SCALE_SAMPLES)]
    for new in entries:
        t0 = clock()
        entry = service.join(queue_id, new)
        t1 = clock()
        service.position(queue_id, entry.entry_id)
        t2 = clock()
        offer = service.offer_next(queue_id)
        t3 = clock()
        assert offer is not None
        service.accept(queue_id, offer.entry_id, agent)
        service.complete(queue_id, offer.entry_id, agent, 120.0)
        samples["join"].append(t1 - t0)
        samples["position"].append(t2 - t1)
        samples["offer"].append(t3 - t2)
    return {op: statistics.median(v) * 1e6 for op, v in samples.items()}


def queue_memory(client: redis.Redis, queue_id: str) -> int:
    total = 0
    for key in client.scan_iter(match=f"{PREFIX}:{{q:{queue_id}}}:*", count=1000):
        total += client.memory_usage(key, samples=0) or 0
    return total


def cleanup(client: redis.Redis, run: str) -> None:
    for pattern in (f"{PREFIX}:{{q:{run}*", f"{PREFIX}:{{a:{run}*", f"bench:{run}"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])


def main() -> int:
    with server() as (url, server_pid):
        client = redis.Redis.from_url(url)
        run = f"bench{uuid.uuid4().hex[:8]}"
        service = QueueService(client, SystemClock())
        settings = QueueSettings(max_size=BIG + 10_000, wrap_up_seconds=0)
        try:
            print(f"redis {client.info('server')['redis_version']} at {url}")

            # 1. Throughput: queue cycle against raw redis-py, alternating rounds.
            cycle_q, agent = f"{run}-cycle", f"{run}-agent"
            service.configure(cycle_q, settings)
            service.set_agent_state(agent, AgentState.AVAILABLE, [cycle_q])
            for line in describe_cycle(client, service, cycle_q, agent, f"bench:{run}"):
                print(line)
            cycle_rate, raw_rate, ratios = throughput(
                client, service, cycle_q, agent, f"bench:{run}"
            )
            pinned = None
            if server_pid and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
                with one_core(server_pid):
                    pinned = throughput(client, service, cycle_q, agent, f"bench:{run}")
            service.set_agent_state(agent, AgentState.LOGGED_OUT)

            # 2. Cost at 100 and at 100,000 waiting entries.
            costs = {}
            for size in (SMALL, BIG):
                queue_id, member = f"{run}-n{size}", f"{run}-a{size}"
                service.configure(queue_id, settings)
                before = client.info("memory")["used_memory"]
                service.join_many(queue_id, (new_entry(i, queue_id) for i in range(size)))
                used = client.info("memory")["used_memory"] - before
                if size == BIG:
                    per_entry = used / size
                    per_entry_keys = queue_memory(client, queue_id) / size
                service.set_agent_state(member, AgentState.AVAILABLE, [queue_id])
                costs[size] = per_op_micros(service, queue_id, member)
                service.set_agent_state(member, AgentState.LOGGED_OUT)

            print(f"cost per operation, median of {SCALE_SAMPLES} (microseconds):")
            for op in ("join", "position", "offer"):
                small, big = costs[SMALL][op], costs[BIG][op]
                print(
                    f"  {op:<9} at {SMALL:>7,} waiting: {small:7.1f}   "
                    f"at {BIG:,} waiting: {big:7.1f}   ratio {big / small:4.2f}"
                )
            print(
                f"redis memory per waiting entry: {per_entry:.0f} bytes "
                f"(used_memory delta; MEMORY USAGE of the queue's keys: {per_entry_keys:.0f}) "
                f"target < 1024"
            )
            if pinned:
                print(
                    f"client and server on one core: queue cycle ops/s {pinned[0]:.0f}; "
                    f"raw redis-py ops/s {pinned[1]:.0f}; ratio {pinned[0] / pinned[1]:.2f}"
                )
            print("ratio per round: " + ", ".join(f"{r:.2f}" for r in ratios))
            print(
                f"queue cycle ops/s: {cycle_rate:.0f}; raw redis-py ops/s: {raw_rate:.0f}; "
                f"ratio: {cycle_rate / raw_rate:.2f}"
            )
        finally:
            cleanup(client, run)
            client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
