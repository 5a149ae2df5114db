"""`ringback serve`: web, worker and scheduler in one command.

The supervisor starts the embedded Redis when no REDIS_URL is given, runs
the migrations, then starts the three processes as children.  SIGTERM or
Ctrl-C stops the children first, then Redis (which fsyncs its AOF), so
nothing is left running and nothing written is lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from ringback.data_dir import ensure_private
from ringback.embedded_redis import EmbeddedRedis
from ringback.settings import Settings
from ringback.store.migrate import upgrade


class Supervisor:
    def __init__(self, settings: Settings, *, web_workers: int = 1, threads: int = 8) -> None:
        self._settings = settings
        self._web_workers = web_workers
        self._threads = threads
        self._redis: EmbeddedRedis | None = None
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._stopping = False

    def _commands(self) -> dict[str, list[str]]:
        s = self._settings
        exe = sys.executable
        return {
            "web": [
                exe, "-m", "gunicorn", "--bind", f"{s.host}:{s.port}",
                "--workers", str(self._web_workers), "--worker-class", "gthread",
                "--threads", str(self._threads), "--graceful-timeout", "10",
                "--access-logfile", "-", "ringback.wsgi:app_from_env()",
            ],
            "worker": [exe, "-m", "ringback", "worker"],
            "scheduler": [exe, "-m", "ringback", "scheduler"],
        }

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["RINGBACK_DATA_DIR"] = str(self._settings.data_dir)
        if self._redis is not None:
            env["REDIS_URL"] = self._redis.url
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
            env = self._child_env()
            for name, cmd in self._commands().items():
                self._children[name] = subprocess.Popen(cmd, env=env)
            print(f"ringback: listening on http://{s.host}:{s.port} "
                  f"(public URL {s.public_base_url})", flush=True)
            return self._watch()
        finally:
            self._stop_all()

    def _watch(self) -> int:
        while not self._stopping:
            for name, child in self._children.items():
                if child.poll() is not None:
                    print(f"ringback: {name} exited with status {child.returncode}; stopping",
                          file=sys.stderr, flush=True)
                    return 1
            time.sleep(0.2)
        return 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def _stop_all(self, timeout: float = 15.0) -> None:
        for child in self._children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self._children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._redis is not None:
            self._redis.stop()
