"""Callback expiry: after 60 minutes the entry leaves and exactly one "Callback" ticket
holds everything an agent needs to call back by hand."""

from __future__ import annotations

from rq import Queue

from ringback.callbacks.expiry import Expiry
from ringback.callbacks.service import entry_ref
from ringback.callbacks.ticket import iso
from ringback.queue.models import NewEntry
from ringback.scheduler.deadlines import Claim, DeadlineKind, Deadlines
from ringback.scheduler.sweeper import DEFAULT_HANDLERS, Sweeper
from ringback.store.callbacks import CallbackState
from ringback.worker import WORK_QUEUES
from tests.callbacks.conftest import BUSINESS, CALLER, QUEUE

EXPIRY = DeadlineKind.CALLBACK_EXPIRY
OTHER_NUMBER = "+4917612345678"


def test_a_callback_expires_after_60_minutes_into_one_callback_ticket(desk, clock):
    requested_at = clock.now()
    ahead = desk.services.queue.join(QUEUE, _live("CA" + "1" * 32))
    entry = desk.ask(number=OTHER_NUMBER)
    ref = entry_ref(QUEUE, entry.entry_id)
    desk.work()  # the request's SQL record

    clock.advance(3599)
    assert desk.sweep() == 0
    desk.work()
    assert desk.services.queue.get(QUEUE, entry.entry_id) is not None
    assert desk.callback_tickets() == []

    clock.advance(1)
    assert desk.sweep() == 1
    desk.work()

    assert desk.services.queue.get(QUEUE, entry.entry_id) is None
    assert desk.services.queue.position(QUEUE, entry.entry_id) is None
    assert desk.services.queue.position(QUEUE, ahead.entry_id) == 1
    (ticket,) = desk.callback_tickets()
    assert ticket.subject == "Callback"
    assert ticket.requester == OTHER_NUMBER
    assert ticket.data == {
        "callback_ref": ref,
        "caller_number": CALLER,
        "callback_number": OTHER_NUMBER,
        "number_dialled": BUSINESS,
        "queue": QUEUE,
        "language": "de",
        "requested_at": _iso(requested_at),
        "attempts": [],
    }
    assert "60 minutes" in ticket.description and OTHER_NUMBER in ticket.description
    record = desk.record(ref)
    assert record.state is CallbackState.EXPIRED
    assert record.ticket_id == ticket.id
    assert record.expired_at == requested_at + 3600


def test_the_expiry_ticket_is_filed_when_no_request_record_was_written_first(desk, clock):
    entry = desk.ask()
    Queue(WORK_QUEUES[0], connection=desk.services.redis).empty()  # the record job is lost
    clock.advance(3600)
    desk.sweep()
    desk.work()
    (ticket,) = desk.callback_tickets()
    assert ticket.data["callback_number"] == CALLER
    assert desk.record(entry_ref(QUEUE, entry.entry_id)).state is CallbackState.EXPIRED


def test_two_schedulers_and_a_retried_job_still_file_one_ticket(desk, clock):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    due = desk.services.deadlines.due_at(EXPIRY, ref)
    clock.advance(3600)
    s = desk.services
    first = Sweeper(s.redis, s.clock, Deadlines(s.redis, s.clock), DEFAULT_HANDLERS)
    second = Sweeper(s.redis, s.clock, Deadlines(s.redis, s.clock), DEFAULT_HANDLERS)

    assert first.sweep_once() + second.sweep_once() == 1
    # The same deadline handed on again (a reclaimed lease) and the job retried by rq.
    second.enqueue(Claim(EXPIRY, ref, due))
    desk.work()
    Queue(WORK_QUEUES[0], connection=s.redis).enqueue(DEFAULT_HANDLERS[EXPIRY], ref, due)
    desk.work()
    Expiry(desk.parts).expire(ref, due)

    assert len(desk.callback_tickets()) == 1
    assert desk.services.queue.size(QUEUE) == 0


def test_an_expiry_that_died_after_the_entry_left_is_finished_by_its_retry(desk, clock):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    desk.work()
    clock.advance(3600)
    # What the first run did before it died: marked the record, expired the entry.
    desk.records.mark_expiring(ref)
    desk.services.queue.expire(QUEUE, entry.entry_id, reason="callback_expired")

    desk.sweep()
    desk.work()

    (ticket,) = desk.callback_tickets()
    assert ticket.data["callback_ref"] == ref
    assert desk.record(ref).state is CallbackState.EXPIRED


def test_a_callback_an_agent_is_calling_does_not_expire(desk, clock):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    due = desk.services.deadlines.due_at(EXPIRY, ref)
    agent_id, _ = desk.agent()
    assert desk.services.queue.accept(QUEUE, entry.entry_id, str(agent_id))
    clock.advance(3600)

    assert Expiry(desk.parts).expire(ref, due) is None

    assert desk.services.queue.get(QUEUE, entry.entry_id) is not None
    assert desk.callback_tickets() == []


def test_a_callback_that_ended_before_its_expiry_files_nothing(desk, clock):
    entry = desk.ask()
    ref = entry_ref(QUEUE, entry.entry_id)
    due = desk.services.deadlines.due_at(EXPIRY, ref)
    desk.work()
    desk.services.queue.remove(QUEUE, entry.entry_id)
    clock.advance(3600)
    assert Expiry(desk.parts).expire(ref, due) is None
    assert desk.callback_tickets() == []
    assert desk.record(ref).state is CallbackState.REQUESTED


def test_the_expiry_follows_the_configured_seconds(desk, clock, settings):
    assert settings.callback_expiry_seconds == 3600
    entry = desk.ask()
    due = desk.services.deadlines.due_at(EXPIRY, entry_ref(QUEUE, entry.entry_id))
    assert due == entry.requested_at + 3600


def _live(sid: str) -> NewEntry:
    return NewEntry(call_sid=sid, caller="+4915199999999", dialled=BUSINESS)


def _iso(epoch: float) -> str:
    result = iso(epoch)
    assert result is not None
    return result


def test_the_expiry_ticket_and_attempt_notes_belong_to_the_callers_customer_user(desk, clock):
    customers = desk.services.customers
    acme = customers.create_customer({"name": "Acme"})
    ann = customers.create_user({"customer_id": acme.id, "name": "Ann",
                                 "phones": [OTHER_NUMBER]})
    desk.ask(number=OTHER_NUMBER)
    desk.work()
    clock.advance(3600)
    desk.sweep()
    desk.work()
    (ticket,) = desk.callback_tickets()
    filed = desk.services.ticket_desk.get(ticket.id)
    assert (filed.customer_user_id, filed.customer_id) == (ann.id, acme.id)
    assert (filed.state, filed.queue) == ("new", QUEUE)
