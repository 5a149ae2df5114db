"""Live callers reach agents, through the running app: the caller is a terminal phone,
and the same phone plays the agent's side of the <Dial> (answers, lets it ring, talks).

Routing happens inside the request that caused it; rq jobs (ringing an agent: the
caller's call is redirected) run in a burst worker within the test step; time moves
only on the ManualClock; the scheduler's sweep turns due deadlines into jobs.
"""

from __future__ import annotations

import pytest

from ringback.callbacks.service import entry_ref
from ringback.ivr.prompts import PromptKey
from ringback.queue.models import AgentState, EntryKind, EntryState, EventType
from ringback.routing.urls import AgentUrls, OfferTag
from ringback.scheduler.deadlines import DeadlineKind
from ringback.terminal_phone import Holding, InputWanted, Ringing, Talking, TerminalPhone
from tests.callbacks.conftest import build_app
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE, text
from tests.e2e.live_desk import AGENT_PHONE, OTHER_AGENT_PHONE, LiveDesk

SECOND_CALLER = "+4915198765432"
OFFER_SECONDS = 20
WRAP_UP_SECONDS = 30


@pytest.fixture
def app(settings, services):
    """The real app, with the outbound callback webhooks (for the mixed-queue test)."""
    flask_app = build_app(settings, services)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def desk(app, services, settings, configure) -> LiveDesk:
    configure()
    desk = LiveDesk(services, app.test_client(), settings)
    desk.queue_settings(QUEUE, offer_timeout_seconds=OFFER_SECONDS,
                        wrap_up_seconds=WRAP_UP_SECONDS)
    return desk


@pytest.fixture
def phone(server, settings, desk, clock) -> TerminalPhone:
    """Callers, and the agents' phones: follows ringback's redirects as Twilio would."""
    return TerminalPhone(server.url, auth_token=settings.webhook_auth_token,
                         public_url=settings.public_base_url, redirects=desk.redirects,
                         stop_on_hold=True, clock=clock.now)


def entry_of(services, call) -> str:
    (entry,) = [e for e in services.queue.entries(QUEUE) if e.call_sid == call.call_sid]
    return entry.entry_id


def test_two_callers_one_agent_the_second_is_answered_after_the_first_call_and_wrap_up(
    desk, phone, services, clock
):
    ana, _ = desk.agent("Ana")
    first = phone.dial(BUSINESS, CALLER)
    second = phone.dial(BUSINESS, SECOND_CALLER)
    first_id, second_id = entry_of(services, first), entry_of(services, second)
    clock.advance(30)

    # Within the API call: the head caller is offered to Ana, the ring job queued.
    offered = desk.presence(ana, "available", [QUEUE])["offer"]
    assert (offered["id"], offered["kind"], offered["caller_number"]) == (
        f"{QUEUE}:{first_id}", "live", CALLER)
    desk.work()  # ringing Ana: Twilio redirects the first caller's call to her <Dial>
    first.wait()

    ringing = first.waiting_for
    assert isinstance(ringing, Ringing)
    assert (ringing.to, ringing.caller_id, ringing.timeout) == (
        (AGENT_PHONE,), CALLER, OFFER_SECONDS)
    first.answer()
    assert isinstance(first.waiting_for, Talking)
    assert [h.text for h in first.far_heard] == [
        "Caller from the support queue, waiting 30 seconds."]
    assert desk.state(ana)["state"] == "busy"
    assert desk.state(ana)["offer"]["state"] == "accepted"

    clock.advance(95)
    first.far_end_hangs_up()  # Ana ends the call
    assert first.ended

    status = desk.state(ana)
    assert status["state"] == "wrap_up"
    (waiting,) = services.queue.entries(QUEUE)
    assert (waiting.entry_id, waiting.state) == (second_id, EntryState.WAITING)
    accepted, completed = [e for e in desk.events(QUEUE)
                           if e.type in (EventType.ACCEPTED, EventType.COMPLETED)]
    assert (accepted.entry_id, accepted.agent_id, accepted.wait_seconds) == (
        first_id, str(ana), 30.0)
    assert (completed.entry_id, completed.wait_seconds, completed.handle_seconds) == (
        first_id, 30.0, 95.0)

    clock.advance(WRAP_UP_SECONDS - 1)
    desk.sweep()
    desk.work()
    assert desk.state(ana)["state"] == "wrap_up"
    clock.advance(1)
    assert desk.sweep() == 1  # WRAP_UP_END
    desk.work()  # Ana available, offered the second caller, who is redirected to her
    assert desk.state(ana)["offer"]["id"] == f"{QUEUE}:{second_id}"

    second.wait()
    assert isinstance(second.waiting_for, Ringing)
    second.answer()
    assert second.far_heard[0].text == \
        "Caller from the support queue, waiting 2 minutes 35 seconds."
    clock.advance(40)
    second.hang_up()  # the caller ends this one

    assert second.ended
    assert services.queue.size(QUEUE) == 0
    assert desk.state(ana)["state"] == "wrap_up"
    handles = [e.handle_seconds for e in desk.events(QUEUE) if e.type is EventType.COMPLETED]
    assert handles == [95.0, 40.0]
    assert services.deadlines.due_at(DeadlineKind.WRAP_UP_END, str(ana)) == clock.now() + 30


def test_an_agent_who_does_not_answer_is_skipped_and_the_caller_keeps_the_place(
    desk, phone, services, clock
):
    ana, _ = desk.agent("Ana")
    bo, _ = desk.agent("Bo", endpoint=OTHER_AGENT_PHONE)
    first = phone.dial(BUSINESS, CALLER)
    second = phone.dial(BUSINESS, SECOND_CALLER)
    first_id = entry_of(services, first)
    desk.presence(ana, "available", [QUEUE])
    desk.work()
    first.wait()
    assert isinstance(first.waiting_for, Ringing) and first.waiting_for.to == (AGENT_PHONE,)

    clock.advance(OFFER_SECONDS)
    first.ring_out()  # nobody picks up Ana's phone

    # The caller is back in the queue, at the same place.
    assert text(PromptKey.KEEP_WAITING) in first.said()
    assert isinstance(first.waiting_for, InputWanted) and first.waiting_for.in_queue
    assert [e.entry_id for e in services.queue.entries(QUEUE)][0] == first_id
    assert services.queue.position(QUEUE, first_id) == 1
    timed_out = [e for e in desk.events(QUEUE) if e.type is EventType.OFFER_TIMED_OUT]
    assert [(e.entry_id, e.agent_id, e.position) for e in timed_out] == [
        (first_id, str(ana), 1)]
    missed = desk.state(ana)
    assert missed["state"] == "missed"
    assert missed["missed"]["offer"] == f"{QUEUE}:{first_id}"
    assert missed["missed"]["reason"] == "the agent did not answer"

    # The next agent gets the first caller, not the one behind.
    assert desk.presence(bo, "available", [QUEUE])["offer"]["id"] == f"{QUEUE}:{first_id}"

    desk.work()
    first.wait()
    assert isinstance(first.waiting_for, Ringing) and first.waiting_for.to == (OTHER_AGENT_PHONE,)
    first.answer()
    assert desk.state(bo)["state"] == "busy"
    assert services.queue.entries(QUEUE)[0].call_sid == second.call_sid

    # Ana is offered nothing until she says she is back; then the second caller.
    assert desk.state(ana)["state"] == "missed"
    desk.presence(ana, "available")
    assert desk.state(ana)["offer"]["caller_number"] == SECOND_CALLER


def test_an_offer_that_times_out_while_ringing_moves_the_caller_back_to_holding(
    desk, phone, services, settings, clock
):
    ana, _ = desk.agent("Ana")
    first = phone.dial(BUSINESS, CALLER)
    first_id = entry_of(services, first)
    offer = desk.presence(ana, "available", [QUEUE])["offer"]
    desk.work()
    first.wait()
    assert isinstance(first.waiting_for, Ringing)

    clock.advance(OFFER_SECONDS)
    assert desk.sweep() == 1  # the OFFER_TIMEOUT deadline comes before Twilio's <Dial> ends
    desk.work()

    requeue = AgentUrls(settings.public_base_url).requeue(QUEUE)
    assert desk.redirects_of(first.call_sid)[-1] == requeue
    first.wait()  # Twilio moves the call: the ringing stops, the caller holds again
    assert isinstance(first.waiting_for, InputWanted) and first.waiting_for.in_queue
    assert services.queue.position(QUEUE, first_id) == 1
    assert desk.state(ana)["state"] == "missed"
    assert desk.state(ana)["missed"]["reason"] == "the offer timed out"
    timed_out = [e for e in desk.events(QUEUE) if e.type is EventType.OFFER_TIMED_OUT]
    assert [(e.entry_id, e.agent_id) for e in timed_out] == [(first_id, str(ana))]
    assert offer["id"] == f"{QUEUE}:{first_id}"


def test_a_caller_who_hangs_up_while_the_agent_rings_is_abandoned_and_the_agent_freed(
    desk, phone, services, clock
):
    ana, _ = desk.agent("Ana")
    first = phone.dial(BUSINESS, CALLER)
    first_id = entry_of(services, first)
    desk.presence(ana, "available", [QUEUE])
    desk.work()
    first.wait()
    assert isinstance(first.waiting_for, Ringing)
    clock.advance(7)

    first.hang_up()

    assert first.ended
    assert services.queue.size(QUEUE) == 0
    (abandoned,) = [e for e in desk.events(QUEUE) if e.type is EventType.ABANDONED]
    assert (abandoned.entry_id, abandoned.wait_seconds) == (first_id, 7.0)
    assert desk.state(ana)["state"] == "available"
    assert services.deadlines.due_at(DeadlineKind.OFFER_TIMEOUT,
                                     entry_ref(QUEUE, first_id)) is None
    assert desk.sweep() == 0


def test_a_caller_who_hangs_up_while_offered_to_a_softphone_frees_the_agent_at_once(
    desk, phone, services, clock
):
    ana, _ = desk.agent("Ana", endpoint="client:ana")
    first = phone.dial(BUSINESS, CALLER)
    later = phone.dial(BUSINESS, SECOND_CALLER)
    desk.presence(ana, "available", [QUEUE])
    desk.work()  # a softphone is not rung before the agent accepts
    assert desk.redirects_of(first.call_sid) == []

    first.hang_up()

    assert desk.state(ana)["offer"]["caller_number"] == SECOND_CALLER  # routed on at once
    assert [e.call_sid for e in services.queue.entries(QUEUE)] == [later.call_sid]
    assert [e.type for e in desk.events(QUEUE)].count(EventType.ABANDONED) == 1


def test_a_callback_and_a_live_caller_in_one_queue_are_served_in_queue_order(
    desk, phone, services, clock
):
    ana, ana_token = desk.agent("Ana")
    asker = phone.dial(BUSINESS, CALLER)
    asker.press("1")  # call me back on this number: the entry stays at place 1
    live = phone.dial(BUSINESS, SECOND_CALLER)
    callback_id, live_id = [e.entry_id for e in services.queue.entries(QUEUE)]
    assert services.queue.get(QUEUE, callback_id).kind is EntryKind.CALLBACK
    clock.advance(60)

    offer = desk.presence(ana, "available", [QUEUE], token=ana_token)["offer"]
    assert (offer["id"], offer["kind"]) == (f"{QUEUE}:{callback_id}", "callback")
    desk.work()
    assert desk.placed_calls() == []  # a callback is dialled only when the agent accepts
    assert desk.redirects_of(live.call_sid) == []

    accepted = desk.accept(offer["id"], ana_token)
    assert accepted.status_code == 202, accepted.get_json()
    desk.work()  # the callback's call: Ana's phone first
    (placed,) = desk.placed_calls()
    assert placed.to == AGENT_PHONE
    agent_leg = phone.pick_up(placed.url, to=AGENT_PHONE, from_=BUSINESS, call_sid=placed.sid,
                              status_callback=placed.status_callback)
    assert isinstance(agent_leg.waiting_for, Ringing) and agent_leg.waiting_for.to == (CALLER,)
    agent_leg.answer()  # the customer picks up
    clock.advance(120)
    agent_leg.hang_up()  # Ana hangs up after talking
    desk.work()

    assert desk.state(ana)["state"] == "wrap_up"
    assert desk.redirects_of(live.call_sid) == []
    clock.advance(WRAP_UP_SECONDS)
    desk.sweep()
    desk.work()  # wrap-up over: the live caller is next, and Ana's phone rings

    live.wait()
    assert isinstance(live.waiting_for, Ringing)
    live.answer()
    clock.advance(30)
    live.far_end_hangs_up()

    served = [(e.entry_id, e.kind) for e in desk.events(QUEUE) if e.type is EventType.COMPLETED]
    assert served == [(callback_id, EntryKind.CALLBACK), (live_id, EntryKind.LIVE)]
    assert services.queue.agent(str(ana)).state is AgentState.WRAP_UP


def test_routing_happens_within_the_event_without_waiting_on_any_timer(
    desk, phone, services
):
    ana, _ = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])

    call = phone.dial(BUSINESS, CALLER)  # the join webhook routes before it answers

    assert isinstance(call.waiting_for, Holding)  # music while Ana's phone is about to ring
    entry = services.queue.get(QUEUE, entry_of(services, call))
    assert (entry.state, entry.offered_to) == (EntryState.OFFERED, str(ana))
    tag = OfferTag.of_entry(entry)
    assert tag is not None
    assert services.deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, tag.ref) == \
        entry.offer_deadline
