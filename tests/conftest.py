"""Shared fixtures: a real Redis, a real database, an injectable clock.

Redis is the embedded redis-server (started once per test session in a
temporary folder) or the server named by REDIS_URL; each test starts from an
empty database.  Nothing here replaces ringback's own code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis

from ringback.clock import ManualClock
from ringback.embedded_redis import EmbeddedRedis


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of the Redis the tests use: REDIS_URL, or an embedded server."""
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on an empty database; bytes in and out, like rq expects."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
