from ringback.callbacks.service import CallbackService, entry_ref
from ringback.queue.models import EntryKind, NewEntry
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import DeadlineKind, Deadlines


def make(redis_client, clock, expiry=3600):
    queue = QueueService(redis_client, clock)
    deadlines = Deadlines(redis_client, clock)
    return queue, deadlines, CallbackService(queue, deadlines, expiry_seconds=expiry)


def test_a_callback_request_keeps_the_place_and_schedules_the_expiry(redis_client, clock):
    queue, deadlines, callbacks = make(redis_client, clock)
    first = queue.join("q1", NewEntry(call_sid="CA1", caller="+14155550101"))
    clock.advance(5)
    second = queue.join("q1", NewEntry(call_sid="CA2", caller="+14155550102"))
    clock.advance(30)

    entry = callbacks.request("q1", first.entry_id, "+14155550101")

    assert entry.kind is EntryKind.CALLBACK
    assert queue.position("q1", first.entry_id) == 1
    assert queue.position("q1", second.entry_id) == 2
    due = deadlines.due_at(DeadlineKind.CALLBACK_EXPIRY, entry_ref("q1", first.entry_id))
    assert due == clock.now() + 3600


def test_a_repeated_request_does_not_move_the_expiry(redis_client, clock):
    queue, deadlines, callbacks = make(redis_client, clock, expiry=600)
    entry = queue.join("q1", NewEntry(call_sid="CA1", caller="+14155550101"))
    callbacks.request("q1", entry.entry_id, "+14155550101")
    due = deadlines.due_at(DeadlineKind.CALLBACK_EXPIRY, entry_ref("q1", entry.entry_id))
    clock.advance(120)
    again = callbacks.request("q1", entry.entry_id, "+14155550101")
    assert again.entry_id == entry.entry_id
    assert deadlines.due_at(DeadlineKind.CALLBACK_EXPIRY,
                            entry_ref("q1", entry.entry_id)) == due
    assert queue.size("q1") == 1
