"""Gauges of live state, read from Redis when Prometheus scrapes.

Queue sizes, offers out, the wait of the caller next in line and the agents
of each queue are Redis's to know, not any process's: one collector reads
them at scrape time, in two round trips however many queues there are (the
queue ids, then one pipeline of every queue's figures).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import redis
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from rq import Queue
from sqlalchemy.exc import SQLAlchemyError

from ringback.jobs import WORK_QUEUES
from ringback.redis_keys import queue_keys

if TYPE_CHECKING:
    from ringback.services import Services

log = logging.getLogger(__name__)

# The wait zset's score is (99 - priority) * 1e13 + enqueued_at_ms (queue.scripts).
_PRIORITY_STEP = 1e13
_PER_QUEUE = 5


class LiveState(Collector):
    """``ringback_queue_*`` by queue, ``ringback_job_backlog`` and ``ringback_live_state_up``."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ringback_live_state_up",
                               "1 when the scrape could read live state from Redis")
        try:
            families = self._families()
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _queue_ids(self) -> list[str]:
        from ringback.callbacks.parts import configured_queue_ids

        configured = set(self._services.queue.configured())
        try:
            return sorted(configured | configured_queue_ids(self._services.numbers))
        except SQLAlchemyError:
            log.warning("the numbers could not be read; only configured queues are measured",
                        exc_info=True)
            return sorted(configured)

    def _families(self) -> list[Metric]:
        queue_ids = self._queue_ids()
        with self._services.redis.pipeline(transaction=False) as pipe:
            for queue_id in queue_ids:
                keys = queue_keys(queue_id)
                pipe.zcard(keys.wait)
                pipe.zcard(keys.offers)
                pipe.zrange(keys.wait, 0, 0, withscores=True)
                pipe.scard(keys.staff)
                pipe.zcard(keys.available)
            pipe.llen(Queue.redis_queue_namespace_prefix + WORK_QUEUES[0])
            replies = pipe.execute()
        now = self._services.clock.now()
        entries = _gauge("entries", "Entries in the queue: callers waiting and callbacks")
        offered = _gauge("offered", "Entries of the queue offered to an agent now")
        head = _gauge("head_wait_seconds", "How long the entry next in line has waited")
        staff = _gauge("agents_logged_in", "Agents logged in to the queue")
        available = _gauge("agents_available", "Agents of the queue free to take a call")
        for i, queue_id in enumerate(queue_ids):
            size, offers, first, logged_in, free = replies[i * _PER_QUEUE:(i + 1) * _PER_QUEUE]
            entries.add_metric([queue_id], size)
            offered.add_metric([queue_id], offers)
            head.add_metric([queue_id], _head_wait(first, now))
            staff.add_metric([queue_id], logged_in)
            available.add_metric([queue_id], free)
        backlog = GaugeMetricFamily("ringback_job_backlog", "rq jobs waiting for a worker")
        backlog.add_metric([], replies[-1])
        return [entries, offered, head, staff, available, backlog]


def _gauge(name: str, documentation: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"ringback_queue_{name}", documentation, labels=["queue"])


def _head_wait(first: Iterable[tuple[bytes, float]], now: float) -> float:
    for _member, score in first:
        enqueued_ms = score % _PRIORITY_STEP
        return max(now - enqueued_ms / 1000.0, 0.0)
    return 0.0
