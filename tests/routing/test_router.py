"""The router on its own events: loops while there is work, deadlines, callbacks' ends."""

from __future__ import annotations

import uuid

from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import AGENT_STATUS_PATH
from ringback.queue.models import AgentState, EntryState, EventType, NewEntry
from ringback.routing.urls import OfferTag
from ringback.scheduler.deadlines import DeadlineKind
from tests.routing.conftest import BUSINESS, OFFER_SECONDS, QUEUE, callback, caller

OFFER = DeadlineKind.OFFER_TIMEOUT


def test_one_routing_pass_offers_as_many_entries_as_there_are_free_agents(desk, clock):
    agents = [desk.agent(name, endpoint=f"+49301234567{i}")[0]
              for i, name in enumerate(["Ana", "Bo", "Cy"])]
    for agent in agents:
        desk.presence(agent, "available", [QUEUE])
        clock.advance(1)
    queue = desk.services.queue
    joined = [queue.join(QUEUE, NewEntry(call_sid="CA" + uuid.uuid4().hex, caller="+4915111111111",
                                         dialled=BUSINESS)) for _ in range(4)]

    offers = desk.services.routing.router.route(QUEUE)

    assert [(o.entry_id, o.agent_id) for o in offers] == [
        (joined[0].entry_id, str(agents[0])), (joined[1].entry_id, str(agents[1])),
        (joined[2].entry_id, str(agents[2]))]
    assert queue.get(QUEUE, joined[3].entry_id).state is EntryState.WAITING
    assert all(desk.services.deadlines.due_at(OFFER, entry_ref(QUEUE, o.entry_id)) == o.deadline
               for o in offers)


def test_an_unanswered_callback_offer_times_out_the_agent_is_missed_and_the_next_offered(
    desk, clock
):
    ana, _ = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])
    clock.advance(1)
    bo, _ = desk.agent("Bo", endpoint="+493012345679")
    asked = callback(desk)
    desk.presence(bo, "available", [QUEUE])
    ref = entry_ref(QUEUE, asked.entry_id)
    assert desk.services.queue.get(QUEUE, asked.entry_id).offered_to == str(ana)

    clock.advance(OFFER_SECONDS - 1)
    assert desk.sweep() == 0
    clock.advance(1)
    assert desk.sweep() == 1
    desk.work()

    again = desk.services.queue.get(QUEUE, asked.entry_id)
    assert (again.state, again.offered_to) == (EntryState.OFFERED, str(bo))
    assert desk.services.deadlines.due_at(OFFER, ref) == again.offer_deadline
    missed = desk.state(ana)
    assert (missed["state"], missed["missed"]["reason"]) == ("missed", "the offer timed out")
    assert desk.services.queue.agent(str(ana)).state is AgentState.MISSED
    assert desk.placed_calls() == []  # nobody dialled: a callback waits for an accept
    assert [e.type for e in desk.events(QUEUE)].count(EventType.OFFER_TIMED_OUT) == 1


def test_a_late_or_repeated_timeout_job_changes_nothing(desk, clock):
    ana, _ = desk.agent("Ana")
    waiting = caller(desk)
    desk.presence(ana, "available", [QUEUE])
    ref = entry_ref(QUEUE, waiting.entry_id)
    due = desk.services.deadlines.due_at(OFFER, ref)
    router = desk.services.routing.router

    assert not router.offer_timed_out(ref, due)  # not due yet
    assert desk.services.queue.accept(QUEUE, waiting.entry_id, str(ana))
    clock.advance(OFFER_SECONDS)
    assert not router.offer_timed_out(ref, due)  # answered meanwhile
    assert desk.state(ana)["state"] == "busy"


def test_the_end_of_a_wrap_up_offers_the_next_caller(desk, clock):
    ana, _ = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])
    first = caller(desk)
    second = caller(desk, "+4915198765432")
    live = desk.services.routing.live
    tag = OfferTag.of_entry(desk.services.queue.get(QUEUE, first.entry_id))
    assert tag is not None and live.answered(tag) is not None
    assert live.finish(tag, 60.0)
    assert desk.services.deadlines.due_at(DeadlineKind.WRAP_UP_END, str(ana)) == \
        clock.now() + 30
    assert desk.services.queue.get(QUEUE, second.entry_id).state is EntryState.WAITING

    clock.advance(30)
    assert desk.sweep() == 1
    desk.work()

    assert desk.state(ana)["offer"]["id"] == entry_ref(QUEUE, second.entry_id)


def test_an_agent_free_after_a_callback_attempt_is_offered_the_next_entry(desk, clock):
    ana, token = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])
    asked = callback(desk)
    waiting = caller(desk, "+4915198765432")
    assert desk.accept(entry_ref(QUEUE, asked.entry_id), token).status_code == 202
    desk.work()
    (placed,) = desk.placed_calls()

    # Ana's own phone does not answer: the attempt fails, Ana is free at once.
    desk.webhook(placed.status_callback, {"CallSid": placed.sid, "CallStatus": "no-answer",
                                          "From": BUSINESS, "To": placed.to})
    assert AGENT_STATUS_PATH in placed.status_callback
    desk.work()

    assert desk.services.queue.get(QUEUE, asked.entry_id) is None
    assert desk.state(ana)["offer"]["id"] == entry_ref(QUEUE, waiting.entry_id)
