"""The queue's deadlines, swept by the scheduler and run by a real worker: max wait
of a live caller (``QueueTimers``), and the router's offer timeout."""

from __future__ import annotations

from ringback.callbacks.service import entry_ref
from ringback.callbacks.timers import QueueTimers
from ringback.ivr.urls import Route, UrlBuilder
from ringback.queue.models import AgentState, EntryState, NewEntry
from ringback.scheduler.deadlines import DeadlineKind
from ringback.telephony import SimulatedTelephony
from tests.callbacks.conftest import BUSINESS, QUEUE

MAX_WAIT = DeadlineKind.QUEUE_MAX_WAIT
OFFER = DeadlineKind.OFFER_TIMEOUT
SID = "CA" + "5" * 32


def _timers(desk) -> QueueTimers:
    return desk.services.queue_timers


def _live(desk, sid: str = SID):
    entry = desk.services.queue.join(QUEUE, NewEntry(call_sid=sid, caller="+4915111111111",
                                                     dialled=BUSINESS))
    desk.services.deadlines.schedule(MAX_WAIT, entry_ref(QUEUE, entry.entry_id),
                                     entry.enqueued_at + 900)
    return entry


def test_a_live_caller_at_max_wait_is_moved_to_the_overflow(desk, clock):
    entry = _live(desk)
    clock.advance(899)
    desk.sweep()
    desk.work()
    assert desk.services.queue.get(QUEUE, entry.entry_id) is not None

    clock.advance(1)
    desk.sweep()
    desk.work()

    telephony = desk.services.telephony
    assert isinstance(telephony, SimulatedTelephony)
    (redirect,) = [e for e in telephony.events() if e.kind == "redirect"]
    expected = UrlBuilder(desk.settings.public_base_url)(Route.OVERFLOW, {"queue": QUEUE})
    assert (redirect.call_sid, redirect.url) == (SID, expected)
    assert desk.services.queue.get(QUEUE, entry.entry_id) is None
    assert desk.services.queue.size(QUEUE) == 0


def test_max_wait_does_not_touch_a_caller_who_became_a_callback(desk, clock):
    entry = _live(desk)
    desk.callbacks.request(QUEUE, entry.entry_id, "+4915111111111")
    clock.advance(900)
    assert not _timers(desk).max_wait_reached(entry_ref(QUEUE, entry.entry_id),
                                              entry.enqueued_at + 900)
    assert desk.services.queue.get(QUEUE, entry.entry_id) is not None


def test_max_wait_of_an_offered_caller_looks_again_after_the_offer(desk, clock):
    entry = _live(desk)
    desk.agent()
    offer = desk.services.queue.offer_next(QUEUE)
    assert offer is not None
    ref = entry_ref(QUEUE, entry.entry_id)
    clock.advance(900)
    assert not _timers(desk).max_wait_reached(ref, entry.enqueued_at + 900)
    assert desk.services.deadlines.due_at(MAX_WAIT, ref) == offer.deadline
    assert desk.services.queue.get(QUEUE, entry.entry_id).state is EntryState.OFFERED


def test_an_unanswered_offer_times_out_and_goes_to_the_next_agent(desk, clock):
    entry = _live(desk)
    ana, _ = desk.agent("Ana")
    clock.advance(1)
    bo, _ = desk.agent("Bo", endpoint="+493012345679")
    offer = desk.services.routing.router.offer_next(QUEUE)
    assert offer is not None and offer.agent_id == str(ana)
    ref = entry_ref(QUEUE, entry.entry_id)
    assert desk.services.deadlines.due_at(OFFER, ref) == offer.deadline

    clock.advance(offer.deadline - clock.now())
    desk.sweep()
    desk.work()

    again = desk.services.queue.get(QUEUE, entry.entry_id)
    assert again.state is EntryState.OFFERED and again.offered_to == str(bo)
    assert desk.services.deadlines.due_at(OFFER, ref) == again.offer_deadline
    # Ana missed it: not offered again until she is back.
    assert desk.services.queue.agent(str(ana)).state is AgentState.MISSED


def test_an_offer_answered_in_time_is_left_alone(desk, clock):
    entry = _live(desk)
    ana, _ = desk.agent("Ana")
    offer = desk.services.routing.router.offer_next(QUEUE)
    assert offer is not None
    assert desk.services.queue.accept(QUEUE, entry.entry_id, str(ana))
    clock.advance(offer.deadline - clock.now())
    desk.sweep()
    desk.work()
    assert desk.services.queue.get(QUEUE, entry.entry_id).state is EntryState.ACCEPTED
