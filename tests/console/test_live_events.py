"""Server-sent events of the live board: a board event when a queue's stream moves,
heartbeats while nothing happens, and streams that end (after their maximum
duration, and when the browser went away) so no thread waits for nobody.
A process holds only a few streams; the other boards are told to poll."""

from __future__ import annotations

import json
import socket
import threading
from urllib.parse import quote

import pytest

from ringback.console.live_feed import QueueFeed, StreamSlots, event_stream, parse_since
from ringback.numbers import NumberDirectory
from ringback.queue.models import NewEntry
from tests.console.conftest import session_cookie
from tests.live_server import LiveServer

BUSINESS = "+4930123456"


def join(services, queue: str, sid: str = "CA1"):
    return services.queue.join(queue, NewEntry(call_sid=sid, caller="+4915112345678"))


def events(text: str) -> list[tuple[str, dict]]:
    """The named events of a piece of the stream, with their data."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines()
                      if line.startswith(("event: ", "data: ")))
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
    return found


def newest(services, queue: str) -> str:
    return services.redis.xrevrange(f"rb:{{q:{queue}}}:events", count=1)[0][0].decode()


def test_the_stream_sends_a_board_event_naming_the_queue_that_moved(services):
    seen = {"sales": "0-0", "support": "0-0"}
    stream = event_stream(QueueFeed(services.redis, ["sales", "support"]), since=seen,
                          block_seconds=5)
    assert next(stream) == "retry: 2000\n: watching 2 queues\n\n"  # nothing moved since

    join(services, "sales")

    assert events(next(stream)) == [
        ("board", {"queues": ["sales"], "since": {"sales": newest(services, "sales"),
                                                  "support": "0-0"}})]


def test_a_board_that_saw_nothing_yet_gets_one_board_event_first(services):
    join(services, "support")
    stream = event_stream(QueueFeed(services.redis, ["sales", "support"]), block_seconds=5)
    assert events(next(stream)) == [
        ("board", {"queues": ["sales", "support"],
                   "since": {"sales": "0-0", "support": newest(services, "support")}})]


def test_events_from_before_the_stream_are_not_sent_again(services):
    join(services, "support")
    seen = {"support": newest(services, "support")}
    stream = event_stream(QueueFeed(services.redis, ["support"]), since=seen,
                          block_seconds=0.05)
    assert events(next(stream)) == []
    assert next(stream) == ": keep-alive\n\n"
    join(services, "support", sid="CA2")
    assert [name for name, _ in events(next(stream))] == ["board"]
    assert next(stream) == ": keep-alive\n\n"  # the cursor moved past it


def test_what_moved_between_two_streams_is_told_when_the_next_one_opens(services):
    first = event_stream(QueueFeed(services.redis, ["sales", "support"]),
                         since={"sales": "0-0", "support": "0-0"}, block_seconds=0.05,
                         max_seconds=0.01)
    (bye,) = events("".join(first))
    assert bye == ("bye", {"since": {"sales": "0-0", "support": "0-0"}})

    join(services, "support")  # while no stream is open

    second = event_stream(QueueFeed(services.redis, ["sales", "support"]), since=bye[1]["since"],
                          block_seconds=0.05)
    assert [(n, d["queues"]) for n, d in events(next(second))] == [("board", ["support"])]


def test_a_board_that_does_not_know_a_newly_shown_queue_is_told(services):
    stream = event_stream(QueueFeed(services.redis, ["sales", "support"]),
                          since={"sales": "0-0"}, block_seconds=0.05)
    assert [name for name, _ in events(next(stream))] == ["board"]


def test_a_board_without_a_free_slot_is_told_when_to_ask_again(services):
    slots = StreamSlots()
    feed = QueueFeed(services.redis, ["support"])
    holding = event_stream(feed, since={"support": "0-0"}, slots=slots, stream_limit=1,
                           block_seconds=0.05)
    next(holding)
    assert slots.open == 1

    polled = list(event_stream(feed, since={"support": "0-0"}, slots=slots, stream_limit=1,
                               poll_seconds=3))
    assert events("".join(polled)) == [("poll", {"seconds": 3, "since": {"support": "0-0"}})]

    join(services, "support")
    polled = list(event_stream(feed, since={"support": "0-0"}, slots=slots, stream_limit=1,
                               poll_seconds=3))
    moved = {"support": newest(services, "support")}
    assert events("".join(polled)) == [("board", {"queues": ["support"], "since": moved}),
                                       ("poll", {"seconds": 3, "since": moved})]
    assert slots.open == 1

    holding.close()  # the server closes the response: the slot is free again
    assert slots.open == 0
    streaming = event_stream(feed, since=moved, slots=slots, stream_limit=1,
                             block_seconds=0.05)
    assert events(next(streaming)) == [] and next(streaming) == ": keep-alive\n\n"
    assert slots.open == 1
    streaming.close()
    assert slots.open == 0


def test_a_stream_never_read_holds_no_slot(services):
    slots = StreamSlots()
    stream = event_stream(QueueFeed(services.redis, ["support"]), slots=slots, stream_limit=1)
    stream.close()
    assert slots.open == 0 and slots.take(1)


@pytest.mark.parametrize("raw", [None, "", "not json", "[]", '{"support": 5}',
                                 '{"support": "0-0\\nevent: x"}', '{"s": "' + "1" * 9000 + '"}'])
def test_a_since_that_is_not_event_ids_by_queue_counts_as_nothing_seen(raw):
    assert parse_since(raw) is None


def test_since_is_read_as_event_ids_by_queue():
    assert parse_since('{"support": "1700000000000-3"}') == {"support": "1700000000000-3"}


def test_a_quiet_stream_sends_a_heartbeat_after_each_block(services):
    stream = event_stream(QueueFeed(services.redis, ["support"]), block_seconds=0.05)
    next(stream)
    assert [next(stream) for _ in range(3)] == [": keep-alive\n\n"] * 3


def test_the_stream_ends_after_its_maximum_duration(services):
    times = iter([100.0, 100.0, 130.0, 160.5])
    stream = event_stream(QueueFeed(services.redis, ["support"]), block_seconds=0.05,
                          max_seconds=60, monotonic=lambda: next(times))
    sent = list(stream)
    assert sent[1:] == [": keep-alive\n\n", ": keep-alive\n\n",
                        'event: bye\ndata: {"since": {"support": "0-0"}}\n\n']


@pytest.fixture
def served(app, owner_client):
    """The app on a real socket with short blocks, and the owner's session cookie."""
    app.config.update(CONSOLE_SSE_BLOCK_SECONDS=0.1, CONSOLE_SSE_MAX_SECONDS=30)
    with LiveServer(app) as live:
        yield live, session_cookie(owner_client)


def open_stream(live, cookie: str, query: str = "") -> socket.socket:
    host, port = live.url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=10)
    conn.sendall(f"GET /console/live/events{query} HTTP/1.1\r\nHost: {host}\r\n"
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


def read_all(conn: socket.socket) -> bytes:
    body = b""
    while chunk := conn.recv(4096):  # the server closes the stream: recv gives b""
        body += chunk
    return body


def test_boards_beyond_the_process_slots_are_told_to_poll_over_http(app, served, services):
    live, cookie = served
    app.config.update(CONSOLE_SSE_SLOTS=1, CONSOLE_SSE_POLL_SECONDS=4)
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": "support"})
    seen = "?since=" + quote(json.dumps({"support": "0-0"}))
    first = open_stream(live, cookie, seen)
    try:
        read_until(first, b": keep-alive")  # holds the one slot

        second = open_stream(live, cookie, seen)
        with second:
            answer = read_all(second)  # answered at once, and ended
        assert b"200 OK" in answer and b"text/event-stream" in answer
        assert b'event: poll\r\n' not in answer
        assert b'event: poll\ndata: {"seconds": 4.0, "since": {"support": "0-0"}}' in answer
        assert b"event: board" not in answer  # nothing moved since
    finally:
        first.close()

    # The closed tab's stream ends at its next heartbeat and gives the slot back:
    # a later board streams again (each try is told to poll until then).
    for _ in range(200):
        with open_stream(live, cookie, seen) as third:
            body = b""
            while b": keep-alive" not in body and (chunk := third.recv(4096)):
                body += chunk
        if b": keep-alive" in body:
            assert b"event: poll" not in body
            break
    else:
        raise AssertionError("the slot of the closed stream was never free again")


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
