"""Server-sent events for the live board, fed by the queues' event streams.

A browser keeps one ``EventSource`` open per board.  The stream blocks on
``XREAD`` over every shown queue's event stream (``QueueKeys.events``, the
queue engine's own log) with a timeout; each time a stream moves it sends a
small ``board`` event naming the queues, and the browser fetches the board
fragment again.  A timeout sends a comment line as a heartbeat.

Every stream ends by itself after ``max_seconds`` (the browser's
EventSource reconnects, and the reconnect picks up newly configured
queues), and on the first failed write after the browser went away, so a
closed tab frees its thread (werkzeug's threaded server, gunicorn gthread)
within one heartbeat.  Nothing here knows Flask.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis

from ringback.queue.keys import queue_keys

BLOCK_SECONDS = 15.0
MAX_SECONDS = 60.0
RETRY_MS = 2000
READ_COUNT = 100


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class QueueFeed:
    """Waits for news on the event streams of a set of queues.

    Reads only: the keys are the queue engine's ``QueueKeys.events`` streams.
    """

    def __init__(self, redis_client: Any, queue_ids: Iterable[str]) -> None:
        self._redis = redis_client
        self._streams = {queue_keys(q).events: q for q in sorted(set(queue_ids))}

    @property
    def queue_ids(self) -> list[str]:
        return list(self._streams.values())

    def cursors(self) -> dict[str, str]:
        """The newest event id of every stream now ("0-0" for an empty one)."""
        pipe = self._redis.pipeline(transaction=False)
        for key in self._streams:
            pipe.xrevrange(key, count=1)
        newest = pipe.execute()
        return {key: (_text(rows[0][0]) if rows else "0-0")
                for key, rows in zip(self._streams, newest, strict=True)}

    def wait(self, cursors: dict[str, str], block_seconds: float) -> list[str]:
        """Block until a stream moves past its cursor or the time is up.

        Returns the queues that moved (in order, each once) and advances
        ``cursors`` past what was read.
        """
        if not cursors:
            time.sleep(block_seconds)  # nothing to watch: just pace the heartbeat
            return []
        reply = self._redis.xread(cursors, count=READ_COUNT,
                                  block=max(1, int(block_seconds * 1000)))
        moved: list[str] = []
        for key, rows in reply or []:
            key = _text(key)
            if rows:
                cursors[key] = _text(rows[-1][0])
                moved.append(self._streams[key])
        return list(dict.fromkeys(moved))


def event_stream(
    feed: QueueFeed,
    *,
    block_seconds: float = BLOCK_SECONDS,
    max_seconds: float = MAX_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """The text/event-stream body: ``board`` events, heartbeats, and ``bye`` at the end."""
    cursors = feed.cursors()
    ends = monotonic() + max_seconds
    yield f"retry: {RETRY_MS}\n: watching {len(cursors)} queues\n\n"
    while True:
        left = ends - monotonic()
        if left <= 0:
            yield "event: bye\ndata: {}\n\n"  # planned: the browser reconnects at once
            return
        try:
            moved = feed.wait(cursors, min(block_seconds, left))
        except (redis.RedisError, OSError, ValueError):
            # Redis went away, or the process closed its client while this stream
            # waited (redis-py then reads from a closed socket): the browser reconnects.
            return
        if moved:
            yield "event: board\ndata: " + json.dumps({"queues": moved}) + "\n\n"
        else:
            yield ": keep-alive\n\n"
