"""`ringback serve`: web, worker and scheduler in one command, kept running.

The supervisor starts the embedded Redis when no REDIS_URL is given, runs
the migrations, then starts the three processes as children, each in a
process group of its own.  It watches them and the embedded Redis: a part
that dies is started again (Redis from its AOF, in the same folder), after
a pause that doubles with each crash of that part in the last minute, and
each restart is logged.  A part that crashes ``CRASH_LIMIT`` times within
``CRASH_WINDOW_SECONDS`` cannot be kept up: serve then stops everything
and exits with status 1.

SIGTERM or Ctrl-C stops the children first, then Redis (which fsyncs its
AOF), so nothing is left running and nothing written is lost.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from types import FrameType

from ringback.data_dir import ensure_private
from ringback.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from ringback.observability.folder import multiprocess_folder
from ringback.observability.recorder import MULTIPROC_ENV
from ringback.settings import Settings
from ringback.startup import announce, forget_address
from ringback.store.migrate import upgrade

log = logging.getLogger(__name__)

CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 60.0
FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 10.0
POLL_SECONDS = 0.2
# gunicorn's logger class that keeps secrets (invitation tokens) out of the access log.
ACCESS_LOGGER_CLASS = "ringback.access_log.RedactingLogger"


class CrashLoop(RuntimeError):
    """A part of serve died too often in a short time to be worth restarting."""


class Restarts:
    """Recent crashes of one part, and how long to wait before starting it again."""

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._name = name
        self._clock = clock
        self._crashes: deque[float] = deque()

    def crashed(self) -> float:
        """Note a crash now; the pause before the next start, or CrashLoop."""
        now = self._clock()
        self._crashes.append(now)
        while self._crashes and self._crashes[0] < now - CRASH_WINDOW_SECONDS:
            self._crashes.popleft()
        count = len(self._crashes)
        if count >= CRASH_LIMIT:
            raise CrashLoop(f"{self._name} crashed {count} times within "
                            f"{CRASH_WINDOW_SECONDS:.0f} s")
        return min(FIRST_PAUSE_SECONDS * 2 ** (count - 1), LONGEST_PAUSE_SECONDS)


class Child:
    """One supervised process (web, worker or scheduler) in its own process group."""

    def __init__(self, name: str, cmd: list[str]) -> None:
        self.name = name
        self.cmd = cmd
        self.restarts = Restarts(name)
        self.proc: subprocess.Popen[bytes] | None = None
        self.start_at: float | None = None  # when a restart is due

    def start(self, env: dict[str, str]) -> None:
        # A group of its own: Ctrl-C reaches only the supervisor, which stops
        # the parts in order, and a dead part's leftovers can be killed as one.
        self.proc = subprocess.Popen(self.cmd, env=env, process_group=0)
        self.start_at = None

    def kill_leftovers(self) -> None:
        """SIGKILL the process's group: what a dead part left (gunicorn workers, a work horse)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def describe_exit(status: int) -> str:
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"


class Supervisor:
    def __init__(self, settings: Settings, *, web_workers: int = 1, threads: int = 8) -> None:
        self._settings = settings
        self._web_workers = web_workers
        self._threads = threads
        self._redis: EmbeddedRedis | None = None
        self._redis_restarts = Restarts("embedded Redis")
        self._redis_start_at: float | None = None
        self._children: list[Child] = []
        self._stopping = False
        self._metrics_folder: str | None = None

    def _commands(self) -> dict[str, list[str]]:
        s = self._settings
        exe = sys.executable
        return {
            "web": [
                exe, "-m", "gunicorn", "--bind", f"{s.host}:{s.port}",
                "--workers", str(self._web_workers), "--worker-class", "gthread",
                "--threads", str(self._threads), "--graceful-timeout", "10",
                "--access-logfile", "-", "--logger-class", ACCESS_LOGGER_CLASS,
                "ringback.wsgi:app_from_env()",
            ],
            "worker": [exe, "-m", "ringback", "worker"],
            "scheduler": [exe, "-m", "ringback", "scheduler"],
        }

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["RINGBACK_DATA_DIR"] = str(self._settings.data_dir)
        if self._redis is not None:
            env["REDIS_URL"] = self._redis.url
        if self._metrics_folder is not None:
            env[MULTIPROC_ENV] = self._metrics_folder
        return env

    def run(self) -> int:
        s = self._settings
        ensure_private(s.data_dir)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        try:
            if s.uses_embedded_redis:
                self._redis = EmbeddedRedis(s.data_dir)
                self._redis.start()
                print(f"ringback: embedded Redis at {self._redis.url}", flush=True)
            upgrade(s.effective_database_url)
            self._metrics_folder = multiprocess_folder(s.data_dir, dict(os.environ))
            env = self._child_env()
            for name, cmd in self._commands().items():
                child = Child(name, cmd)
                child.start(env)
                self._children.append(child)
            print(announce(s), flush=True)
            return self._watch()
        finally:
            self._stop_all()
            forget_address(s.data_dir)

    def _watch(self) -> int:
        try:
            while not self._stopping:
                self._heal_redis()
                self._heal_children()
                time.sleep(POLL_SECONDS)
        except CrashLoop as exc:
            log.error("%s; stopping ringback", exc)
            return 1
        return 0

    def _heal_redis(self) -> None:
        """Restart the embedded Redis when it died: it loads its AOF again."""
        server = self._redis
        if server is None:
            return
        if self._redis_start_at is None:
            status = server.exited()
            if status is None:
                return
            pause = self._redis_restarts.crashed()
            log.warning("embedded Redis %s; restarting it from its AOF in %.1f s",
                        describe_exit(status), pause)
            self._redis_start_at = time.monotonic() + pause
        if time.monotonic() < self._redis_start_at:
            return
        try:
            server.restart()
        except EmbeddedRedisError as exc:
            pause = self._redis_restarts.crashed()
            log.warning("embedded Redis did not start again (%s); next try in %.1f s", exc, pause)
            self._redis_start_at = time.monotonic() + pause
            return
        self._redis_start_at = None
        log.warning("embedded Redis restarted (pid %s)", server.pid)

    def _heal_children(self) -> None:
        if self._redis_start_at is not None:
            return  # the parts would only fail to reach Redis
        now = time.monotonic()
        for child in self._children:
            if child.start_at is None:
                assert child.proc is not None
                status = child.proc.poll()
                if status is None:
                    continue
                child.kill_leftovers()
                pause = child.restarts.crashed()
                log.warning("%s (pid %d) %s; restarting it in %.1f s",
                            child.name, child.proc.pid, describe_exit(status), pause)
                child.start_at = now + pause
            if now >= child.start_at:
                child.start(self._child_env())
                assert child.proc is not None
                log.warning("%s restarted (pid %d)", child.name, child.proc.pid)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def _stop_all(self, timeout: float = 15.0) -> None:
        running = [c for c in self._children if c.proc is not None and c.proc.poll() is None]
        for child in running:
            assert child.proc is not None
            child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in running:
            assert child.proc is not None
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill_leftovers()  # the whole group, the part itself included
                child.proc.wait()
        if self._redis is not None:
            self._redis.stop()
