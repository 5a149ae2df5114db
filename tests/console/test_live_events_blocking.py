"""Blocking reads are not cut short: every Redis command times out after two seconds
(issue 17, item 7), while the live board's XREAD BLOCK (on a client of its own) and
rq's dequeue wait much longer than that."""

from __future__ import annotations

from ringback.numbers import NumberDirectory
from ringback.queue.models import NewEntry
from ringback.redis_connection import COMMAND_TIMEOUT_SECONDS
from ringback.worker import make_worker

# Longer than our command timeout, and than redis-py 8's default read timeout (5 s).
BLOCK_SECONDS = COMMAND_TIMEOUT_SECONDS + 4


def test_a_quiet_board_stream_outlasts_the_redis_command_timeout(app, owner_client, services):
    NumberDirectory(services.db, services.redis).put("+4930123456", {"queue_id": "support"})
    app.config.update(CONSOLE_SSE_BLOCK_SECONDS=BLOCK_SECONDS, CONSOLE_SSE_MAX_SECONDS=60)
    response = owner_client.get("/console/live/events", buffered=False)
    try:
        chunks = (c.decode() if isinstance(c, bytes) else c for c in response.response)
        assert next(chunks).startswith("retry: 2000\n")
        # Nothing moves for a whole block: a heartbeat, not a stream cut short by a
        # read timeout (the browser would reconnect every few seconds).
        assert next(chunks, "the stream ended") == ": keep-alive\n\n"
        services.queue.join("support", NewEntry(call_sid="CA" + "5" * 32))
        event = next(chunks, "the stream ended")
        assert event.startswith('event: board\ndata: {"queues": ["support"], "since": ')
    finally:
        response.close()


def test_the_rq_workers_blocking_dequeue_is_not_cut_by_the_command_timeout(services):
    worker = make_worker(services, simple=True)
    # rq raises the read timeout of the client it dequeues with above its dequeue time
    # (in a worker process; web and scheduler keep the short one).
    timeout = worker.connection.connection_pool.connection_kwargs["socket_timeout"]
    assert timeout is not None and timeout > worker.dequeue_timeout > COMMAND_TIMEOUT_SECONDS
    assert worker.work(burst=True) is not None
