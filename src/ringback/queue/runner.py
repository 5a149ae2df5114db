"""Runs the engine's Lua scripts by SHA, one at a time or several per round trip.

The hot path sends EVALSHA straight over a pooled redis-py connection, with
the request written here (the SHA and KEYS part of a script's call is encoded
once per queue and reused): a redis-py ``Pipeline`` costs about a third of a
round trip in bookkeeping on every execution, generic argument encoding about
as much again for a dozen arguments, and ``Script`` objects add a
``SCRIPT EXISTS`` to each pipeline.  Scripts are loaded only when the server answers NOSCRIPT (first
use, restart, SCRIPT FLUSH).  Cluster clients take redis-py's ordinary path,
one call at a time, so that calls of one batch keep their order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import redis
from redis.exceptions import NoScriptError, ResponseError

from ringback.clock import Clock
from ringback.queue import scripts
from ringback.redis_connection import text

Call = tuple[str, Sequence[str], Sequence[object]]


def stamp(clock: Clock) -> str:
    """The clock's time as the scripts take it: epoch seconds, milliseconds precision."""
    return f"{clock.now():.3f}"


def _bulk(value: object) -> bytes:
    """One RESP bulk string (redis-py's own rules: str as UTF-8, numbers by repr)."""
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        data = repr(value).encode()
    else:
        raise TypeError(f"cannot send {type(value).__name__} to Redis")
    return b"$%d\r\n%b\r\n" % (len(data), data)


class ScriptRunner:
    """EVALSHA with NOSCRIPT recovery; ``many`` runs calls in order in one round trip."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._sha = {
            name: hashlib.sha1(body.encode()).hexdigest() for name, body in scripts.ALL.items()
        }
        self._pool = None if isinstance(client, redis.RedisCluster) else client.connection_pool
        self._heads: dict[tuple[str, tuple[str, ...]], bytes] = {}

    def load(self) -> None:
        for name, body in scripts.ALL.items():
            self._sha[name] = text(self._client.script_load(body))
        self._heads.clear()

    def _packed(self, call: Call) -> bytes:
        """The RESP request of one EVALSHA call."""
        name, keys, args = call
        key = (name, tuple(keys))
        head = self._heads.get(key)
        if head is None:
            if len(self._heads) > 10_000:
                self._heads.clear()
            head = self._heads[key] = b"".join(
                _bulk(v) for v in ("EVALSHA", self._sha[name], len(keys), *keys)
            )
        return b"*%d\r\n%b%b" % (3 + len(keys) + len(args), head, b"".join(map(_bulk, args)))

    def _command(self, call: Call) -> tuple[object, ...]:
        name, keys, args = call
        return ("EVALSHA", self._sha[name], len(keys), *keys, *args)

    def _send(self, calls: Sequence[Call]) -> list[Any]:
        """Replies of ``calls`` (error replies as exception values), one round trip."""
        if self._pool is None:
            results: list[Any] = []
            for call in calls:
                try:
                    results.append(self._client.execute_command(*self._command(call)))
                except ResponseError as exc:
                    results.append(exc)
            return results
        conn = self._pool.get_connection()
        try:
            conn.send_packed_command([b"".join(self._packed(c) for c in calls)])
            results = []
            for _ in calls:
                try:
                    results.append(conn.read_response())
                except ResponseError as exc:
                    results.append(exc)
            return results
        except BaseException:
            # A half-read connection must not go back to the pool in use.
            conn.disconnect()
            raise
        finally:
            self._pool.release(conn)

    def call(self, name: str, keys: Sequence[str], args: Sequence[object]) -> Any:
        return self.many([(name, keys, args)])[0]

    def many(self, calls: Sequence[Call]) -> list[Any]:
        """Run ``calls`` in order (not atomic together); raise the first error reply."""
        results = self._send(calls)
        if any(isinstance(r, NoScriptError) for r in results):
            self.load()
            retry = [c for c, r in zip(calls, results, strict=True) if isinstance(r, NoScriptError)]
            again = iter(self._send(retry))
            results = [next(again) if isinstance(r, NoScriptError) else r for r in results]
        for r in results:
            if isinstance(r, Exception):
                raise r
        return results
