"""Runs the engine's Lua scripts by SHA, one at a time or several per round trip.

redis-py's ``Script`` objects check ``SCRIPT EXISTS`` on every pipeline
execution, which would double the round trips of the hot path; this runner
sends EVALSHA directly and loads the scripts only when the server answers
NOSCRIPT (first use, restart, SCRIPT FLUSH).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import redis
from redis.exceptions import NoScriptError

from ringback.queue import scripts

Call = tuple[str, Sequence[str], Sequence[object]]


def text(value: Any) -> str:
    """A reply value as str, whether the client decodes responses or not."""
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


class ScriptRunner:
    """EVALSHA with NOSCRIPT recovery; ``many`` pipelines calls in order."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._sha = {
            name: hashlib.sha1(body.encode()).hexdigest() for name, body in scripts.ALL.items()
        }
        # A cluster client routes each call to its slot's node: calls of one
        # batch could then run out of order, so they are sent one by one.
        self._sequential = isinstance(client, redis.RedisCluster)

    def load(self) -> None:
        for name, body in scripts.ALL.items():
            self._sha[name] = text(self._client.script_load(body))

    def call(self, name: str, keys: Sequence[str], args: Sequence[object]) -> Any:
        try:
            return self._client.evalsha(self._sha[name], len(keys), *keys, *args)
        except NoScriptError:
            self.load()
            return self._client.evalsha(self._sha[name], len(keys), *keys, *args)

    def many(self, calls: Sequence[Call]) -> list[Any]:
        """Run ``calls`` in order in one round trip (not atomic together)."""
        if self._sequential or len(calls) == 1:
            return [self.call(*c) for c in calls]
        pipe = self._client.pipeline(transaction=False)
        for name, keys, args in calls:
            pipe.evalsha(self._sha[name], len(keys), *keys, *args)
        results = pipe.execute(raise_on_error=False)
        if any(isinstance(r, NoScriptError) for r in results):
            self.load()
            results = [
                self.call(*c) if isinstance(r, NoScriptError) else r
                for c, r in zip(calls, results, strict=True)
            ]
        for r in results:
            if isinstance(r, Exception):
                raise r
        return list(results)
