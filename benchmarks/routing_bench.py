"""Routing benchmark: what event-driven routing costs the requests that trigger it.

    python benchmarks/routing_bench.py          # embedded Redis in a temp folder
    REDIS_URL=redis://127.0.0.1:6379/0 python benchmarks/routing_bench.py

Every join webhook now also routes its queue, and every offer made by the router
also arms the offer's timeout (a deadline) and, for a live caller, enqueues the job
that rings the agent.  Both are measured against the queue engine's own operation
in the same run, alternating sample by sample so they share the machine's load:

- join: ``queue.join`` then ``Router.route`` with nobody available, against ``queue.join``;
- offer: ``Router.route`` making one offer of a live caller, against ``queue.offer_next``.

Figures are medians in microseconds and their ratio (routing / engine).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from ringback.clock import SystemClock
from ringback.embedded_redis import EmbeddedRedis
from ringback.queue.models import AgentState, NewEntry
from ringback.queue.service import QueueService
from ringback.routing.enqueue import RoutingJobs
from ringback.routing.router import Router
from ringback.scheduler.deadlines import Deadlines

SAMPLES = 2000


@contextmanager
def server() -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        embedded = EmbeddedRedis(tmp)
        embedded.start()
        try:
            yield embedded.url
        finally:
            embedded.stop()


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1e6


def new_entry() -> NewEntry:
    return NewEntry(call_sid="CA" + uuid.uuid4().hex, caller="+4915112345678",
                    dialled="+4930123456")


def main() -> int:
    with server() as url:
        client = redis.Redis.from_url(url)
        client.flushdb()
        clock = SystemClock()
        queue = QueueService(client, clock)
        deadlines = Deadlines(client, clock)
        router = Router(queue, deadlines, RoutingJobs(client, queue_name="bench"), clock)

        join, join_route = [], []
        for i in range(SAMPLES):
            join.append(timed(lambda: queue.join("joins", new_entry())))
            join_route.append(timed(lambda: (queue.join("routed", new_entry()),
                                             router.route("routed"))))
            if i % 500 == 499:
                client.delete(*client.keys("rb:{q:joins}:*"), *client.keys("rb:{q:routed}:*"))

        offer, offer_route = [], []
        for i in range(SAMPLES):
            plain, routed = f"p{i}", f"r{i}"
            for queue_id in (plain, routed):
                queue.set_agent_state(f"a-{queue_id}", AgentState.AVAILABLE, [queue_id])
                queue.join(queue_id, new_entry())
            offer.append(timed(lambda q=plain: queue.offer_next(q)))
            offer_route.append(timed(lambda q=routed: router.route(q)))
        client.flushdb()

    def line(name: str, base: list[float], routed: list[float]) -> str:
        b, r = statistics.median(base), statistics.median(routed)
        return f"{name:6} engine {b:7.1f} us   with routing {r:7.1f} us   ratio {r / b:.2f}"

    print(f"median of {SAMPLES} samples, alternating (microseconds):")
    print(line("join", join, join_route))
    print(line("offer", offer, offer_route))
    return 0


if __name__ == "__main__":
    sys.exit(main())
