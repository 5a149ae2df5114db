"""Counts the round trips a piece of work makes: Redis requests (one command, or a
whole pipeline) through a client made here, and SQL statements on an engine.

Used by tests and benchmarks that hold a page to a bounded number of round
trips; it instruments redis-py's connection and SQLAlchemy's engine events,
never ringback's own code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ringback.redis_connection import connect


@dataclass
class RoundTrips:
    redis: int = 0
    sql: int = 0

    def reset(self) -> None:
        self.redis = self.sql = 0


def counted_redis(url: str, trips: RoundTrips) -> redis.Redis:
    """A client on ``url`` (connected as ringback connects) that counts each request it sends."""
    client = connect(url)
    pool = client.connection_pool
    base: Any = pool.connection_class

    class Counting(base):  # type: ignore[misc,valid-type]
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            trips.redis += 1
            super().send_packed_command(command, check_health)

    pool.connection_class = Counting
    pool.disconnect()
    return client


@contextmanager
def counted_sql(engine: Engine, trips: RoundTrips) -> Iterator[RoundTrips]:
    """Count every statement ``engine`` executes while the block runs."""

    def count(*_args: Any) -> None:
        trips.sql += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield trips
    finally:
        event.remove(engine, "before_cursor_execute", count)
