"""Shared fixtures: a real Redis, a real database, an injectable clock.

Redis is the embedded redis-server (started once per test session in a
temporary folder) or the server named by REDIS_URL; each test starts from an
empty database.  Nothing here replaces ringback's own code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from ringback.clock import ManualClock
from ringback.embedded_redis import EmbeddedRedis
from ringback.redis_connection import connect

if TYPE_CHECKING:
    from ringback.services import Services
    from ringback.settings import Settings
    from ringback.store.db import Database
    from tests.twilio_standin import TwilioStandIn


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of the Redis the tests use: REDIS_URL, or an embedded server.

    Under pytest-xdist each worker gets a database of its own on REDIS_URL's
    server (the worker's number added to the one named), since every test
    empties its database first.
    """
    given = os.environ.get("REDIS_URL")
    if given:
        yield _worker_database(given)
        return
    yield from _embedded_redis(tmp_path_factory, "redis")


@pytest.fixture(scope="session")
def private_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An embedded server no other test process shares, even with REDIS_URL:
    for tests that read the server's command counters (INFO commandstats)."""
    yield from _embedded_redis(tmp_path_factory, "private-redis")


def _embedded_redis(tmp_path_factory: pytest.TempPathFactory, folder: str) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp(folder))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def private_redis_client(private_redis_url: str) -> Iterator[redis.Redis]:
    """An empty database on the private server; a module that counts commands
    makes it its ``redis_client``."""
    client = connect(private_redis_url)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


def _worker_database(url: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under xdist
    if not worker.startswith("gw") or url.startswith("redis+sentinel"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker[2:])}"))


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on an empty database; bytes in and out, like rq expects."""
    client = connect(redis_url)  # as every ringback process connects (Sentinel too)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for this test session: DATABASE_URL's server, or SQLite.

    With DATABASE_URL a fresh database is created beside the one named (and
    dropped at the end), so the tests never touch real data.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from ringback.settings import Settings
    from ringback.store.migrate import upgrade

    given = os.environ.get("DATABASE_URL")
    if not given:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade(url)
        yield url
        return
    base = make_url(Settings.from_env({"DATABASE_URL": given,
                                       "RINGBACK_DATA_DIR": str(tmp_path_factory.mktemp("d"))}
                                      ).database_url)
    name = f"ringback_test_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The session's database with every table emptied before the test."""
    from ringback.store.db import Database
    from ringback.store.migrate import load_models
    from ringback.store.models import Base

    load_models()
    database = Database.from_url(database_url)
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # one round trip instead of one per table
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
        else:
            for table in tables:
                conn.execute(table.delete())
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def settings(tmp_path, redis_url: str, database_url: str) -> Settings:
    from ringback.settings import Settings

    return Settings.from_env({
        "RINGBACK_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": "https://ringback.example.com",
        "RINGBACK_API_TOKEN": OWNER_TOKEN,
        "SECRET_KEY": "test-secret-key-0123456789",
        # The tests play simulated calls by hand; tests/telephony/test_sim_play.py lets
        # the simulator play them.
        "RINGBACK_SIMULATOR_OUTCOME": "manual",
    })


OWNER_TOKEN = "owner-token-0123456789abcdef"


@pytest.fixture
def services(settings, redis_client, db, clock) -> Services:
    """The app's collaborators on the test's Redis, database and clock.

    Without Twilio credentials in the settings, outbound calls go to the
    simulator; tests of the Twilio path use the ``twilio_standin`` fixture.
    """
    from ringback.services import Services
    from ringback.telephony import build_telephony

    return Services(settings=settings, redis=redis_client, db=db, clock=clock,
                    telephony=build_telephony(settings, redis_client, clock))


@pytest.fixture
def twilio_standin(clock) -> Iterator[TwilioStandIn]:
    """Twilio's REST API on 127.0.0.1, on the test's clock."""
    from tests.twilio_standin import TwilioStandIn

    with TwilioStandIn(clock=clock) as standin:
        yield standin


@pytest.fixture
def app(settings, services):
    from ringback.app import create_app

    flask_app = create_app(settings, services)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def owner_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {OWNER_TOKEN}"}
