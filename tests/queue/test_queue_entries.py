"""Entries of a queue: join, order, positions, estimates, callbacks, leaving, events."""

from __future__ import annotations

import pytest

from ringback.clock import ManualClock
from ringback.errors import Conflict, NotFound, RingbackError, ValidationError
from ringback.queue.models import (
    EntryKind,
    EntryState,
    EventType,
    Intent,
    NewEntry,
    QueueFull,
    QueueSettings,
)
from ringback.queue.service import QueueService


def ids(entries):
    return [e.entry_id for e in entries]


def test_join_stores_every_field_of_the_entry(queues, call, clock):
    entry = queues.join(
        "sales", call(1, language="nl", intent=Intent.BOOKING, dialled="+31201234567")
    )
    assert entry.state == EntryState.WAITING
    assert entry.kind == EntryKind.LIVE
    assert entry.call_sid == f"CA{1:032x}"
    assert entry.caller == "+14155550001"
    assert (entry.language, entry.intent, entry.dialled) == ("nl", Intent.BOOKING, "+31201234567")
    assert entry.enqueued_at == clock.now()
    assert queues.get("sales", entry.entry_id) == entry
    assert queues.entry_for_call("sales", entry.call_sid) == entry


def test_entries_are_ordered_by_priority_then_enqueue_time_then_sequence(queues, call, clock):
    first = queues.join("sales", call(1))
    second_same_instant = queues.join("sales", call(2))
    clock.advance(5)
    later = queues.join("sales", call(3))
    urgent = queues.join("sales", call(4, priority=9))
    assert ids(queues.entries("sales")) == [
        urgent.entry_id,
        first.entry_id,
        second_same_instant.entry_id,
        later.entry_id,
    ]
    assert [queues.position("sales", e.entry_id) for e in (urgent, first, later)] == [1, 2, 4]
    assert queues.size("sales") == 4


def test_priority_rules_of_the_queue_apply_by_intent(queues, call, clock):
    queues.configure("sales", QueueSettings(max_size=5, priorities={Intent.BOOKING: 3}))
    general = queues.join("sales", call(1))
    clock.advance(1)
    booking = queues.join("sales", call(2, intent=Intent.BOOKING))
    assert booking.priority == 3
    assert ids(queues.entries("sales")) == [booking.entry_id, general.entry_id]


def test_order_survives_more_than_ten_sequence_digits(queues, call):
    queues.configure("big", QueueSettings(max_size=100))
    joined = [queues.join("big", call(n)).entry_id for n in range(40)]
    assert ids(queues.entries("big")) == joined
    assert queues.position("big", joined[-1]) == 40


def test_entries_pages_with_offset_and_limit(queues, call):
    joined = [queues.join("sales", call(n)).entry_id for n in range(5)]
    assert ids(queues.entries("sales", offset=1, limit=2)) == joined[1:3]
    with pytest.raises(ValidationError):
        queues.entries("sales", limit=0)


def test_joining_twice_with_the_same_call_sid_returns_the_first_entry(queues, call):
    first = queues.join("sales", call(1))
    again = queues.join("sales", call(1))
    assert again.entry_id == first.entry_id
    assert queues.size("sales") == 1


def test_join_is_refused_with_the_queue_and_its_size_when_full(queues, call):
    for n in range(5):
        queues.join("sales", call(n))
    with pytest.raises(QueueFull) as refused:
        queues.join("sales", call(99))
    assert isinstance(refused.value, RingbackError)
    assert (refused.value.queue_id, refused.value.max_size) == ("sales", 5)
    assert "full" in str(refused.value)
    assert queues.size("sales") == 5


def test_a_second_callback_request_for_the_same_number_keeps_the_first(queues, call):
    first = queues.join("sales", call(1, callback="+14155550199"))
    second = queues.join("sales", call(2, callback="+14155550199"))
    assert second.entry_id == first.entry_id
    assert queues.size("sales") == 1
    assert queues.callback_for_number("sales", "+14155550199") == first


def test_convert_to_callback_keeps_the_callers_place(queues, call, clock):
    entries = [queues.join("sales", call(n)) for n in range(3)]
    clock.advance(40)
    converted = queues.convert_to_callback("sales", entries[1].entry_id, "+14155550123")
    assert converted.kind == EntryKind.CALLBACK
    assert converted.callback_number == "+14155550123"
    assert converted.enqueued_at == entries[1].enqueued_at
    assert converted.requested_at == clock.now()
    assert queues.position("sales", converted.entry_id) == 2
    assert ids(queues.entries("sales")) == ids(entries)


def test_converting_again_with_the_same_number_changes_nothing(queues, call):
    entry = queues.join("sales", call(1))
    once = queues.convert_to_callback("sales", entry.entry_id, "+14155550123")
    twice = queues.convert_to_callback("sales", entry.entry_id, "+14155550123")
    assert once == twice


def test_duplicate_callback_on_convert_keeps_the_entry_ahead(queues, call, clock):
    older = queues.join("sales", call(1, callback="+14155550123"))
    clock.advance(10)
    newer = queues.join("sales", call(2))
    kept = queues.convert_to_callback("sales", newer.entry_id, "+14155550123")
    assert kept.entry_id == older.entry_id
    assert queues.get("sales", newer.entry_id) is None
    assert ids(queues.entries("sales")) == [older.entry_id]
    removed = [e for e in queues.events("sales") if e.type == EventType.REMOVED]
    assert [(e.entry_id, e.reason) for e in removed] == [(newer.entry_id, "duplicate_callback")]


def test_duplicate_callback_behind_the_converting_caller_is_dropped(queues, call, clock):
    ahead = queues.join("sales", call(1))
    clock.advance(10)
    behind = queues.join("sales", call(2, callback="+14155550123"))
    kept = queues.convert_to_callback("sales", ahead.entry_id, "+14155550123")
    assert kept.entry_id == ahead.entry_id
    assert queues.get("sales", behind.entry_id) is None
    assert queues.callback_for_number("sales", "+14155550123").entry_id == ahead.entry_id


def test_duplicate_callback_already_with_an_agent_is_kept(queues, call, clock, login):
    login("ann")
    ahead = queues.join("sales", call(1))
    clock.advance(10)
    other = queues.join("sales", call(2, callback="+14155550123"))
    assert queues.accept("sales", other.entry_id, "ann")
    kept = queues.convert_to_callback("sales", ahead.entry_id, "+14155550123")
    assert kept.entry_id == other.entry_id
    assert kept.state == EntryState.ACCEPTED
    assert queues.get("sales", ahead.entry_id) is None


def test_convert_refuses_unknown_accepted_and_malformed(queues, call, login):
    login("ann")
    entry = queues.join("sales", call(1))
    with pytest.raises(ValidationError) as bad:
        queues.convert_to_callback("sales", entry.entry_id, "0612345678")
    assert "callback_number" in bad.value.errors
    with pytest.raises(NotFound):
        queues.convert_to_callback("sales", "zz9", "+14155550123")
    assert queues.accept("sales", entry.entry_id, "ann")
    with pytest.raises(Conflict):
        queues.convert_to_callback("sales", entry.entry_id, "+14155550123")


def test_leave_records_the_abandon_with_position_and_wait(queues, call, clock):
    queues.join("sales", call(1))
    second = queues.join("sales", call(2))
    clock.advance(75)
    left = queues.leave("sales", second.entry_id)
    assert left.state == EntryState.ABANDONED
    assert queues.get("sales", second.entry_id) is None
    assert queues.entry_for_call("sales", second.call_sid) is None
    assert queues.leave("sales", second.entry_id) is None
    abandoned = queues.events("sales")[-1]
    assert abandoned.type == EventType.ABANDONED
    assert (abandoned.position, abandoned.wait_seconds) == (2, 75.0)


def test_a_caller_who_left_can_join_again_with_the_same_call(queues, call):
    entry = queues.join("sales", call(1))
    queues.leave("sales", entry.entry_id)
    again = queues.join("sales", call(1))
    assert again.entry_id != entry.entry_id


def test_expire_drops_a_waiting_entry_but_not_one_with_an_agent(queues, call, login):
    login("ann")
    waiting = queues.join("sales", call(1, callback="+14155550123"))
    taken = queues.join("sales", call(2))
    assert queues.accept("sales", taken.entry_id, "ann")
    expired = queues.expire("sales", waiting.entry_id, reason="callback_expiry")
    assert expired.state == EntryState.EXPIRED
    assert queues.callback_for_number("sales", "+14155550123") is None
    assert queues.expire("sales", taken.entry_id) is None
    assert queues.get("sales", taken.entry_id).state == EntryState.ACCEPTED
    event = [e for e in queues.events("sales") if e.type == EventType.EXPIRED][0]
    assert event.reason == "callback_expiry"


def test_remove_takes_an_accepted_entry_and_frees_its_agent(queues, call, login):
    login("ann")
    entry = queues.join("sales", call(1))
    assert queues.accept("sales", entry.entry_id, "ann")
    removed = queues.remove("sales", entry.entry_id)
    assert removed.state == EntryState.REMOVED
    assert queues.agent("ann").state == "available"
    assert queues.available_agents("sales") == ["ann"]


def test_estimated_wait_follows_the_documented_formula(queues, call, login, clock):
    entries = [queues.join("sales", call(n)) for n in range(5)]
    # No agent logged in: one wave per caller, at the default 120 s handle time.
    assert queues.estimated_wait("sales", entries[0].entry_id) == 120
    assert queues.estimated_wait("sales", entries[4].entry_id) == 600
    login("ann", "bob")
    # Two idle agents take the first two at once; the rest wait in waves of two.
    assert queues.estimated_wait("sales", entries[1].entry_id) == 0
    assert queues.estimated_wait("sales", entries[2].entry_id) == 120
    assert queues.estimated_wait("sales", entries[4].entry_id) == 240
    assert queues.estimated_wait("sales", "zz9") is None


def test_estimated_wait_uses_a_moving_average_of_handle_times(queues, call, login):
    queues.configure("sales", QueueSettings(max_size=5, wrap_up_seconds=0))
    login("ann")
    for n, handle in ((1, 100.0), (2, 200.0)):
        entry = queues.join("sales", call(n))
        assert queues.accept("sales", entry.entry_id, "ann")
        queues.complete("sales", entry.entry_id, "ann", handle)
    assert queues.average_handle_seconds("sales") == pytest.approx(120.0)
    first, second = (queues.join("sales", call(n)) for n in (3, 4))
    assert queues.accept("sales", first.entry_id, "ann")
    assert queues.estimated_wait("sales", second.entry_id) == 120


def test_settings_round_trip_and_defaults(queues):
    custom = QueueSettings(
        max_size=9,
        max_wait_seconds=60,
        offer_timeout_seconds=15,
        wrap_up_seconds=0,
        priorities={Intent.TICKET: 2},
    )
    queues.configure("support", custom)
    assert queues.settings("support") == custom
    assert queues.settings("never-configured") == QueueSettings()


def test_configured_queues_are_listed_once_each(queues):
    assert queues.configured() == ["sales"]  # the fixture's
    queues.configure("support", QueueSettings(max_size=9))
    queues.configure("billing", QueueSettings())
    queues.configure("support", QueueSettings(max_size=10))
    assert queues.configured() == ["billing", "sales", "support"]


def test_bad_settings_and_entries_name_the_field(queues):
    with pytest.raises(ValidationError) as bad:
        queues.configure("sales", QueueSettings(max_size=0, offer_timeout_seconds=-1))
    assert set(bad.value.errors) == {"max_size", "offer_timeout_seconds"}
    with pytest.raises(ValidationError) as bad:
        queues.join("sales", NewEntry(caller="+14155550100"))
    assert "call_sid" in bad.value.errors
    with pytest.raises(ValidationError) as bad:
        queues.join("sales", NewEntry(kind=EntryKind.CALLBACK, callback_number="12"))
    assert "callback_number" in bad.value.errors
    with pytest.raises(ValidationError) as bad:
        queues.join("sales{x}", NewEntry(call_sid="CA1"))
    assert "queue_id" in bad.value.errors


def test_events_page_after_an_id(queues, call):
    for n in range(3):
        queues.join("sales", call(n))
    events = queues.events("sales")
    assert [e.type for e in events] == [EventType.JOINED] * 3
    assert [e.position for e in events] == [1, 2, 3]
    rest = queues.events("sales", after_id=events[0].id)
    assert [e.id for e in rest] == [e.id for e in events[1:]]
    assert queues.events("sales", after_id=events[-1].id) == []


def test_join_many_joins_in_batches_and_stops_when_full(queues, call):
    assert queues.join_many("sales", (call(n) for n in range(3)), batch=2) == 3
    with pytest.raises(QueueFull):
        queues.join_many("sales", (call(n) for n in range(10, 15)))
    assert queues.size("sales") == 5


def test_a_client_that_decodes_responses_works_the_same(redis_url, clock: ManualClock, call):
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        service = QueueService(client, clock)
        entry = service.join("decoded", call(1))
        assert service.get("decoded", entry.entry_id) == entry
        assert service.position("decoded", entry.entry_id) == 1
    finally:
        client.close()


def test_ids_that_are_not_entry_ids_never_reach_other_records(queues, call, login):
    login("ann")
    queues.join("sales", call(1))
    for bogus in ("@ann", "#seq", "s:CA1", "", "A1"):
        assert queues.get("sales", bogus) is None
        assert queues.leave("sales", bogus) is None
        assert queues.remove("sales", bogus) is None
        assert not queues.accept("sales", bogus, "ann")
        assert not queues.decline("sales", bogus, "ann")
        assert queues.complete("sales", bogus, "ann", 1.0) is None
        with pytest.raises(NotFound):
            queues.convert_to_callback("sales", bogus, "+14155550123")
    assert queues.agent("ann").state == "available"
    assert queues.size("sales") == 1
