"""Entry ids become durable keys (the callback record's ref, the ticket's idempotency
key), so they must stay unique when Redis forgets its last writes (issue 16, item 5)."""

from __future__ import annotations

from typing import Any

from ringback.callbacks.service import entry_ref
from ringback.store.callbacks import CallbackState
from tests.callbacks.conftest import QUEUE, Desk

FIRST = "+4917611111111"
SECOND = "+4917622222222"


def _snapshot(redis: Any) -> list[tuple[bytes, bytes]]:
    return [(key, redis.dump(key)) for key in redis.keys("*")]


def _restore(redis: Any, snapshot: list[tuple[bytes, bytes]]) -> None:
    """Redis comes back from an earlier snapshot: everything written since is lost
    (AOF's last second, a Sentinel failover to a replica that lagged)."""
    redis.flushdb()
    for key, value in snapshot:
        redis.restore(key, 0, value)


def _expire(desk: Desk, clock: Any) -> None:
    desk.work()  # the request's record
    clock.advance(3600)
    assert desk.sweep() == 1
    desk.work()  # the expiry and its ticket


def test_a_new_callback_after_redis_lost_its_last_writes_keeps_its_own_record_and_ticket(
        desk, clock):
    start = clock.now()
    before = _snapshot(desk.services.redis)
    first = desk.ask(number=FIRST)
    _expire(desk, clock)
    first_record = desk.record(entry_ref(QUEUE, first.entry_id))
    assert first_record.state is CallbackState.EXPIRED and first_record.ticket_id

    _restore(desk.services.redis, before)
    clock.set(start)  # not even the clock tells the two apart
    second = desk.ask(number=SECOND)
    _expire(desk, clock)

    tickets = desk.callback_tickets()
    assert sorted(t.requester for t in tickets) == [FIRST, SECOND]
    second_record = desk.record(entry_ref(QUEUE, second.entry_id))
    assert second_record.callback_number == SECOND
    assert second_record.state is CallbackState.EXPIRED
    assert second_record.ticket_id not in (None, first_record.ticket_id)
    assert desk.record(entry_ref(QUEUE, first.entry_id)) == first_record
    assert second.entry_id != first.entry_id
