"""Toll fraud (issue 17): callbacks per hour per caller, per number and per prefix,
counted in a real Redis on the test's clock."""

from __future__ import annotations

import pytest

from ringback.callbacks.limits import (
    WINDOW_SECONDS,
    CallbackLimitReached,
    CallbackLimits,
    LimitKind,
    Limits,
)
from ringback.callbacks.service import CallbackService
from ringback.queue.models import EntryKind, NewEntry
from ringback.queue.service import QueueService
from ringback.redis_keys import CallbackKeys
from ringback.scheduler.deadlines import Deadlines

NUMBER = "+4915112345678"


DEFAULTS = Limits()


class Asker:
    """Callers joining queues and asking for callbacks, each in a queue of its own
    (two callbacks to one number in one queue merge into one entry)."""

    def __init__(self, redis_client, clock, limits: Limits = DEFAULTS) -> None:
        self.queue = QueueService(redis_client, clock)
        self.callbacks = CallbackService(
            self.queue, Deadlines(redis_client, clock), expiry_seconds=3600,
            limits=CallbackLimits(redis_client, clock, limits))
        self.calls = 0

    def join(self, caller: str) -> tuple[str, str]:
        self.calls += 1
        queue_id = f"q{self.calls}"
        entry = self.queue.join(queue_id, NewEntry(call_sid=f"CA{self.calls}", caller=caller))
        return queue_id, entry.entry_id

    def ask(self, caller: str, number: str) -> tuple[str, str]:
        queue_id, entry_id = self.join(caller)
        self.callbacks.request(queue_id, entry_id, number)
        return queue_id, entry_id

    def refused(self, caller: str, number: str) -> CallbackLimitReached:
        queue_id, entry_id = self.join(caller)
        with pytest.raises(CallbackLimitReached) as caught:
            self.callbacks.request(queue_id, entry_id, number)
        entry = self.queue.get(queue_id, entry_id)
        assert entry is not None and entry.kind is EntryKind.LIVE  # still waiting, as it was
        return caught.value


def test_at_most_three_callbacks_an_hour_go_to_one_number(redis_client, clock):
    desk = Asker(redis_client, clock)
    for n in range(3):
        desk.ask(f"+491511111000{n}", NUMBER)

    refused = desk.refused("+4915111110009", NUMBER)
    assert (refused.kind, refused.limit) == (LimitKind.NUMBER, 3)

    clock.advance(WINDOW_SECONDS + 1)  # the oldest requests leave the sliding hour
    desk.ask("+4915111110009", NUMBER)


def test_one_caller_asks_for_at_most_five_callbacks_an_hour(redis_client, clock):
    desk = Asker(redis_client, clock)
    caller = "+4915199999999"
    destinations = [f"+49151{n}2345678" for n in range(6)]  # six prefixes
    for number in destinations[:5]:
        desk.ask(caller, number)
    refused = desk.refused(caller, destinations[5])
    assert (refused.kind, refused.limit) == (LimitKind.CALLER, 5)


def test_withheld_callers_share_one_count(redis_client, clock):
    desk = Asker(redis_client, clock)
    for n, caller in enumerate(["anonymous", "", "client:eve", "anonymous", "+266696687"]):
        desk.ask(caller, f"+49151{n}2345678")
    assert desk.refused("anonymous", "+4915192345678").kind is LimitKind.CALLER


def test_at_most_ten_callbacks_an_hour_go_to_one_block_of_numbers(redis_client, clock):
    desk = Asker(redis_client, clock)
    block = [f"+4915112345{n:03d}" for n in range(11)]  # +49 151 12345xxx
    for n, number in enumerate(block[:10]):
        desk.ask(f"+4917000000{n:03d}", number)
    refused = desk.refused("+4917000000999", block[10])
    assert (refused.kind, refused.limit) == (LimitKind.PREFIX, 10)
    desk.ask("+4917000000999", "+4915112346000")  # the next block is another count


def test_a_repeated_request_of_one_callback_counts_once(redis_client, clock):
    desk = Asker(redis_client, clock)
    queue_id, entry_id = desk.ask("+4915111110000", NUMBER)
    for _ in range(3):  # Twilio delivering the webhook again
        desk.callbacks.request(queue_id, entry_id, NUMBER)
    desk.ask("+4915111110001", NUMBER)
    desk.ask("+4915111110002", NUMBER)
    assert desk.refused("+4915111110003", NUMBER).kind is LimitKind.NUMBER
    key = CallbackKeys.limit_log(LimitKind.NUMBER, NUMBER)
    assert redis_client.zcard(key) == 3
    assert 0 < redis_client.ttl(key) <= WINDOW_SECONDS


def test_a_refused_request_counts_nowhere(redis_client, clock):
    desk = Asker(redis_client, clock, Limits(per_caller=5, per_number=1, per_prefix=10))
    desk.ask("+4915111110000", NUMBER)
    desk.refused("+4915111110001", NUMBER)
    caller_log = CallbackKeys.limit_log(LimitKind.CALLER, "+4915111110001")
    assert redis_client.zcard(caller_log) == 0


def test_a_limit_of_zero_counts_nothing(redis_client, clock):
    desk = Asker(redis_client, clock, Limits(per_caller=0, per_number=0, per_prefix=0))
    for _ in range(12):
        desk.ask("+4915111110000", NUMBER)
    assert redis_client.keys(CallbackKeys.limit_log(LimitKind.NUMBER, "*")) == []
