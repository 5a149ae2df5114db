"""Server-sent events for the live board, fed by the queues' event streams.

A browser keeps one ``EventSource`` open per board.  The stream blocks on
``XREAD`` over every shown queue's event stream (``QueueKeys.events``, the
queue engine's own log) with a timeout; each time a stream moves it sends a
small ``board`` event naming the queues, and the browser fetches the board
fragment again.  A timeout sends a comment line as a heartbeat.

An open stream holds a thread of the web process for as long as it waits
(gunicorn gthread, werkzeug's threaded server), and Twilio's webhooks need
those threads.  So a process holds at most a few streams open at once
(``StreamSlots``); a board that finds no free slot gets a short answer
instead: a ``board`` event if something moved since it last looked, and a
``poll`` event telling it when to ask again.  Every event carries ``since``,
the newest event id of each queue the board has seen; the browser sends it
back with the next request, so nothing that happens between two requests is
missed and an unchanged board is not fetched again.

Every stream ends by itself after ``max_seconds`` (the browser opens the
next one, which picks up newly configured queues), and on the first failed
write after the browser went away, so a closed tab frees its thread within
one heartbeat.  Nothing here knows Flask.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis

from ringback.redis_keys import queue_keys

BLOCK_SECONDS = 15.0
MAX_SECONDS = 60.0
RETRY_MS = 2000
READ_COUNT = 100
# Streams one web process holds open at once: the Procfile's and ``serve``'s
# process has 8 threads, and the other 6 stay free for webhooks and pages.
STREAM_SLOTS = 2
# How long a board without a stream waits before it asks again.
POLL_SECONDS = 3.0
MAX_SINCE_CHARS = 8192
_EVENT_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class StreamSlots:
    """How many event streams this process holds open now, at most ``limit`` at once.

    The count guards this process's own threads, so it lives in the process
    (several web processes each keep their own).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0

    @property
    def open(self) -> int:
        return self._open

    def take(self, limit: int) -> bool:
        with self._lock:
            if self._open >= limit:
                return False
            self._open += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self._open = max(0, self._open - 1)


def parse_since(raw: str | None) -> dict[str, str] | None:
    """The ``since`` a browser sent back: queue id -> newest event id it has seen.

    Anything else (missing, too long, not such a mapping) is None: the board
    is then treated as never seen, and gets one ``board`` event.
    """
    if not raw or len(raw) > MAX_SINCE_CHARS:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _EVENT_ID.fullmatch(v)
            for k, v in value.items()):
        return None
    return value


class QueueFeed:
    """Waits for news on the event streams of a set of queues.

    Reads only: the keys are the queue engine's ``QueueKeys.events`` streams.
    Cursors are keyed by stream key; ``since`` (what the browser keeps) by queue id.
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

    def since(self, cursors: dict[str, str]) -> dict[str, str]:
        """The cursors as the browser keeps them: by queue id."""
        return {self._streams[key]: event_id for key, event_id in cursors.items()}

    def moved_since(self, since: dict[str, str] | None, cursors: dict[str, str]) -> list[str]:
        """The queues whose stream is past what the browser saw (all of them when it
        saw nothing yet, and any it did not know)."""
        if since is None:
            return self.queue_ids
        return [queue for queue, event_id in self.since(cursors).items()
                if since.get(queue, "0-0") != event_id]

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


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def event_stream(
    feed: QueueFeed,
    *,
    since: dict[str, str] | None = None,
    slots: StreamSlots | None = None,
    stream_limit: int = STREAM_SLOTS,
    block_seconds: float = BLOCK_SECONDS,
    max_seconds: float = MAX_SECONDS,
    poll_seconds: float = POLL_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """The text/event-stream body: ``board`` events, heartbeats, and ``bye`` at the end;
    or, when ``slots`` has none free, at most one ``board`` event and ``poll``.

    The slot is taken when the body is first read and given back when it ends
    or the server closes it, so a response never sent holds none.
    """
    cursors = feed.cursors()
    moved = feed.moved_since(since, cursors)
    known = set(since) if since is not None else set(feed.queue_ids)
    changed = bool(moved) or known != set(feed.queue_ids)
    head = f"retry: {RETRY_MS}\n: watching {len(cursors)} queues\n\n"
    if changed:
        head += _event("board", {"queues": moved, "since": feed.since(cursors)})
    if slots is not None and not slots.take(stream_limit):
        yield head + _event("poll", {"seconds": poll_seconds, "since": feed.since(cursors)})
        return
    try:
        yield head
        yield from _stream(feed, cursors, block_seconds, max_seconds, monotonic)
    finally:
        if slots is not None:
            slots.give_back()


def _stream(feed: QueueFeed, cursors: dict[str, str], block_seconds: float,
            max_seconds: float, monotonic: Callable[[], float]) -> Iterator[str]:
    ends = monotonic() + max_seconds
    while True:
        left = ends - monotonic()
        if left <= 0:
            # planned: the browser opens the next stream at once
            yield _event("bye", {"since": feed.since(cursors)})
            return
        try:
            moved = feed.wait(cursors, min(block_seconds, left))
        except (redis.RedisError, OSError, ValueError):
            # Redis went away, or the process closed its client while this stream
            # waited (redis-py then reads from a closed socket): the browser reconnects.
            return
        if moved:
            yield _event("board", {"queues": moved, "since": feed.since(cursors)})
        else:
            yield ": keep-alive\n\n"
