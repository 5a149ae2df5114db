"""Server-sent events of the live board: a board event when a queue's stream moves,
heartbeats while nothing happens, and streams that end (after their maximum
duration, and when the browser went away) so no thread waits for nobody."""

from __future__ import annotations

import socket
import threading

import pytest

from ringback.console.live_feed import QueueFeed, event_stream
from ringback.numbers import NumberDirectory
from ringback.queue.models import NewEntry
from tests.console.conftest import session_cookie
from tests.live_server import LiveServer

BUSINESS = "+4930123456"


def join(services, queue: str, sid: str = "CA1"):
    return services.queue.join(queue, NewEntry(call_sid=sid, caller="+4915112345678"))


def test_the_stream_sends_a_board_event_naming_the_queue_that_moved(services):
    stream = event_stream(QueueFeed(services.redis, ["sales", "support"]), block_seconds=5)
    assert next(stream).startswith("retry: 2000\n")

    join(services, "sales")

    assert next(stream) == 'event: board\ndata: {"queues": ["sales"]}\n\n'


def test_events_from_before_the_stream_are_not_sent_again(services):
    join(services, "support")
    stream = event_stream(QueueFeed(services.redis, ["support"]), block_seconds=0.05)
    next(stream)
    assert next(stream) == ": keep-alive\n\n"
    join(services, "support", sid="CA2")
    assert next(stream) == 'event: board\ndata: {"queues": ["support"]}\n\n'
    assert next(stream) == ": keep-alive\n\n"  # the cursor moved past it


def test_a_quiet_stream_sends_a_heartbeat_after_each_block(services):
    stream = event_stream(QueueFeed(services.redis, ["support"]), block_seconds=0.05)
    next(stream)
    assert [next(stream) for _ in range(3)] == [": keep-alive\n\n"] * 3


def test_the_stream_ends_after_its_maximum_duration(services):
    times = iter([100.0, 100.0, 130.0, 160.5])
    stream = event_stream(QueueFeed(services.redis, ["support"]), block_seconds=0.05,
                          max_seconds=60, monotonic=lambda: next(times))
    sent = list(stream)
    assert sent[1:] == [": keep-alive\n\n", ": keep-alive\n\n", "event: bye\ndata: {}\n\n"]


@pytest.fixture
def served(app, owner_client):
    """The app on a real socket with short blocks, and the owner's session cookie."""
    app.config.update(CONSOLE_SSE_BLOCK_SECONDS=0.1, CONSOLE_SSE_MAX_SECONDS=30)
    with LiveServer(app) as live:
        yield live, session_cookie(owner_client)


def open_stream(live, cookie: str) -> socket.socket:
    host, port = live.url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=10)
    conn.sendall(f"GET /console/live/events HTTP/1.1\r\nHost: {host}\r\n"
                 f"Accept: text/event-stream\r\nCookie: ringback_session={cookie}\r\n\r\n"
                 .encode())
    return conn


def read_until(conn: socket.socket, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        chunk = conn.recv(4096)
        assert chunk, f"the stream ended before {marker!r}: {seen!r}"
        seen += chunk
    return seen


def test_the_events_endpoint_streams_board_events_over_http(served, services):
    live, cookie = served
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": "support"})
    conn = open_stream(live, cookie)
    try:
        head = read_until(conn, b"retry: 2000")
        assert b"200 OK" in head and b"Content-Type: text/event-stream" in head
        assert b"Cache-Control: no-store" in head
        read_until(conn, b": keep-alive")
        join(services, "support")
        assert b'"queues": ["support"]' in read_until(conn, b"event: board\ndata: ")
    finally:
        conn.close()


def test_a_closed_tab_ends_its_stream_and_frees_the_thread(served, services):
    live, cookie = served
    before = set(threading.enumerate())
    conn = open_stream(live, cookie)
    read_until(conn, b": keep-alive")
    (handler,) = [t for t in threading.enumerate() if t not in before]

    conn.close()

    handler.join(timeout=10)  # the next heartbeats cannot be written: the stream ends
    assert not handler.is_alive()


def test_a_stream_ends_by_itself_after_its_maximum_duration(app, served, services):
    live, cookie = served
    app.config["CONSOLE_SSE_MAX_SECONDS"] = 0.3
    conn = open_stream(live, cookie)
    try:
        body = b""
        while chunk := conn.recv(4096):  # the server closes the stream: recv gives b""
            body += chunk
    finally:
        conn.close()
    assert b"retry: 2000" in body and b"event: bye" in body
    assert body.endswith(b"0\r\n\r\n")  # the chunked end
