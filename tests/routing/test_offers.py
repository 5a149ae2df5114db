"""Offers through the API: accept and reject, for callbacks and live callers."""

from __future__ import annotations

from ringback.callbacks.service import entry_ref
from ringback.queue.models import AgentState, EntryState
from ringback.scheduler.deadlines import DeadlineKind
from tests.e2e.live_desk import AGENT_PHONE, bearer, owner
from tests.routing.conftest import OFFER_SECONDS, QUEUE, ana_then_bo, callback, caller


def test_accepting_a_callback_offer_calls_the_customer_back_agent_first(desk):
    ana, token = desk.agent("Ana")
    asked = callback(desk)
    offer = desk.presence(ana, "available", [QUEUE])["offer"]
    assert (offer["kind"], offer["callback_number"]) == ("callback", asked.callback_number)
    desk.work()
    assert desk.placed_calls() == []  # nothing is dialled before the agent accepts

    answer = desk.accept(offer["id"], token)

    assert answer.status_code == 202
    assert (answer.get_json()["state"], answer.get_json()["agent_id"]) == ("accepted", ana)
    desk.work()
    (placed,) = desk.placed_calls()
    assert placed.to == AGENT_PHONE
    assert desk.accept(offer["id"], token).status_code == 202  # again: nothing new
    desk.work()
    assert len(desk.placed_calls()) == 1


def test_an_offer_is_accepted_only_by_its_agent_and_only_while_it_exists(desk):
    ana, _ = desk.agent("Ana")
    bo, bo_token = desk.agent("Bo")
    waiting = callback(desk)
    desk.presence(ana, "available", [QUEUE])
    ref = entry_ref(QUEUE, waiting.entry_id)

    assert desk.accept(ref, bo_token).status_code == 409
    assert desk.accept(f"{QUEUE}:zz9", bo_token).status_code == 404
    as_owner = desk.client.post(f"/api/v1/offers/{ref}/accept", json={}, headers=owner())
    assert as_owner.status_code == 422 and list(as_owner.get_json()["errors"]) == ["agent_id"]
    named = desk.client.post(f"/api/v1/offers/{ref}/accept", json={"agent_id": ana},
                             headers=owner())
    assert named.status_code == 202


def test_a_live_offer_needs_the_live_queue_permission_and_a_callback_the_callbacks_one(desk):
    ana, token = desk.agent("Ana", permissions=("callbacks",))
    waiting = caller(desk)
    desk.presence(ana, "available", [QUEUE])

    refused = desk.accept(entry_ref(QUEUE, waiting.entry_id), token)

    assert refused.status_code == 403
    assert refused.get_json()["error"] == "this needs the live_queue permission"


def test_rejecting_a_live_offer_passes_it_on_and_moves_the_caller_back_to_holding(desk, clock):
    ana, ana_token, bo, _ = ana_then_bo(desk, clock)
    waiting = caller(desk)
    ref = entry_ref(QUEUE, waiting.entry_id)
    desk.work()  # Ana, idle longest, is rung

    answer = desk.reject(ref, ana_token)

    assert answer.status_code == 200
    assert (answer.get_json()["state"], answer.get_json()["agent_id"]) == ("offered", bo)
    assert desk.state(ana)["state"] == "available"  # rejecting is not missing
    desk.work()
    urls = desk.redirects_of(waiting.call_sid)
    assert len(urls) == 2 and "agent=" + str(bo) in urls[-1]  # straight to Bo's <Dial>
    assert desk.services.deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, ref) == \
        desk.services.queue.get(QUEUE, waiting.entry_id).offer_deadline


def test_rejecting_a_callback_offer_keeps_its_place_for_the_next_agent(desk, clock):
    ana, ana_token, bo, bo_token = ana_then_bo(desk, clock)
    first = callback(desk)  # to Ana, idle longest
    second = callback(desk, "+4915198765432")  # to Bo
    first_ref, second_ref = entry_ref(QUEUE, first.entry_id), entry_ref(QUEUE, second.entry_id)

    desk.reject(first_ref, ana_token)
    # Bo has not seen it yet: it waits for him at place 1, not for Ana again.
    assert desk.services.queue.get(QUEUE, first.entry_id).state is EntryState.WAITING
    assert desk.services.queue.position(QUEUE, first.entry_id) == 1
    assert desk.state(ana)["state"] == "available"

    desk.reject(second_ref, bo_token)

    assert desk.state(bo)["offer"]["id"] == first_ref
    assert desk.state(ana)["offer"]["id"] == second_ref
    assert [e.entry_id for e in desk.services.queue.entries(QUEUE)] == [
        first.entry_id, second.entry_id]


def test_a_softphone_rings_once_accepted_and_gets_the_whole_offer_time(desk, clock):
    ana, token = desk.agent("Ana", endpoint="client:ana")
    waiting = caller(desk)
    desk.presence(ana, "available", [QUEUE])
    desk.work()
    assert desk.redirects_of(waiting.call_sid) == []  # the offer shows in the console first
    clock.advance(15)

    answer = desk.accept(entry_ref(QUEUE, waiting.entry_id), token)

    assert answer.status_code == 202
    ref = entry_ref(QUEUE, waiting.entry_id)
    assert desk.services.deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, ref) == \
        clock.now() + OFFER_SECONDS
    desk.work()
    (url,) = desk.redirects_of(waiting.call_sid)
    assert "to=client%3Aana" in url and f"ring={OFFER_SECONDS}" in url
    clock.advance(6)  # past the queue engine's own offer deadline: the moved one counts
    assert desk.sweep() == 0
    assert desk.services.queue.agent(str(ana)).state is AgentState.OFFERED


def test_accepting_without_a_usable_endpoint_is_refused(desk):
    ana, token = desk.agent("Ana", endpoint="client:ana")
    waiting = caller(desk)
    desk.presence(ana, "available", [QUEUE])
    desk.client.put(f"/api/v1/agents/{ana}/endpoint", json={"endpoint": None},
                    headers=bearer(token))

    refused = desk.accept(entry_ref(QUEUE, waiting.entry_id), token)

    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["endpoint"]


def test_declining_an_offered_callback_through_the_callbacks_api_offers_it_on_at_once(
    desk, clock
):
    ana, ana_token, bo, _ = ana_then_bo(desk, clock)
    asked = callback(desk)
    ref = entry_ref(QUEUE, asked.entry_id)
    assert desk.services.queue.get(QUEUE, asked.entry_id).offered_to == str(ana)

    answer = desk.client.post(f"/api/v1/callbacks/{ref}/decline", headers=bearer(ana_token))

    assert answer.status_code == 200
    assert (answer.get_json()["state"], answer.get_json()["position"]) == ("offered", 1)
    entry = desk.services.queue.get(QUEUE, asked.entry_id)  # Bo's now, at the same place
    assert (entry.state, entry.offered_to) == (EntryState.OFFERED, str(bo))
    assert desk.services.deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, ref) == \
        entry.offer_deadline
    assert desk.state(ana)["state"] == "available"
