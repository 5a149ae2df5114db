"""An agent's presence through the API: the switch, what routing makes of it, who may."""

from __future__ import annotations

from urllib.parse import quote

from ringback.callbacks.service import entry_ref
from ringback.queue.models import AgentState, EntryState, NewEntry
from ringback.scheduler.deadlines import DeadlineKind
from tests.e2e.live_desk import OTHER_AGENT_PHONE, bearer, owner
from tests.routing.conftest import QUEUE, caller


def post(desk, agent_id, body, headers=None):
    return desk.client.post(f"/api/v1/agents/{agent_id}/presence", json=body,
                            headers=headers or owner())


def test_going_available_offers_the_waiting_caller_before_the_request_returns(desk, clock):
    ana, token = desk.agent("Ana")
    waiting = caller(desk)
    clock.advance(12)

    answer = post(desk, ana, {"state": "available", "queues": [QUEUE]}, bearer(token))

    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["state"], body["queues"]) == ("offered", [QUEUE])
    assert body["offer"]["id"] == entry_ref(QUEUE, waiting.entry_id)
    assert (body["offer"]["state"], body["offer"]["wait_seconds"]) == ("offered", 12.0)
    entry = desk.services.queue.get(QUEUE, waiting.entry_id)
    assert (entry.state, entry.offered_to) == (EntryState.OFFERED, str(ana))
    assert desk.services.deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, body["offer"]["id"]) \
        == entry.offer_deadline


def test_available_without_an_endpoint_or_queues_is_refused_naming_the_field(desk):
    ana, _ = desk.agent("Ana", endpoint=None)
    bo, _ = desk.agent("Bo")

    no_endpoint = post(desk, ana, {"state": "available", "queues": [QUEUE]})
    no_queues = post(desk, bo, {"state": "available"})
    bad_state = post(desk, bo, {"state": "busy"})
    bad_queue = post(desk, bo, {"state": "available", "queues": ["no such queue"]})

    assert no_endpoint.status_code == 422 and list(no_endpoint.get_json()["errors"]) == [
        "endpoint"]
    assert no_queues.get_json()["errors"] == {"queues": "name the queues to take calls from"}
    assert bad_state.get_json()["errors"] == {
        "state": "must be one of available, away, logged_out"}
    assert list(bad_queue.get_json()["errors"]) == ["queues.0"]
    assert post(desk, 999, {"state": "away"}).status_code == 404
    assert desk.services.queue.agent(str(bo)).state is AgentState.LOGGED_OUT


def test_agents_switch_themselves_and_only_the_agents_permission_switches_others(desk):
    ana, ana_token = desk.agent("Ana")
    bo, bo_token = desk.agent("Bo", permissions=("live_queue",))

    assert post(desk, ana, {"state": "available", "queues": [QUEUE]},
                bearer(bo_token)).status_code == 403
    assert post(desk, ana, {"state": "available", "queues": [QUEUE]},
                bearer(ana_token)).status_code == 200
    # Reading another's presence: live_queue is enough.
    seen = desk.client.get(f"/api/v1/agents/{ana}/presence", headers=bearer(bo_token))
    assert (seen.status_code, seen.get_json()["state"]) == (200, "available")


def test_away_and_logged_out_are_told_apart_and_away_takes_no_calls(desk):
    ana, _ = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])

    away = desk.presence(ana, "away")
    waiting = caller(desk)

    assert away["state"] == "away" and away["away_since"] is not None
    assert desk.services.queue.get(QUEUE, waiting.entry_id).state is EntryState.WAITING
    assert desk.presence(ana, "logged_out")["state"] == "logged_out"
    back = desk.presence(ana, "available")  # its queues are remembered
    assert back["offer"]["id"] == entry_ref(QUEUE, waiting.entry_id)


def test_logging_out_with_an_offer_gives_it_to_the_next_agent_and_moves_the_caller_back(
    desk, clock
):
    ana, _ = desk.agent("Ana")
    bo, _ = desk.agent("Bo", endpoint=OTHER_AGENT_PHONE)
    desk.presence(ana, "available", [QUEUE])
    waiting = caller(desk)
    desk.work()  # Ana's phone rings: the caller's call is at her <Dial>
    assert desk.redirects_of(waiting.call_sid)[0].startswith(
        "https://ringback.example.com/twilio/voice/agent/connect?")

    gone = desk.presence(ana, "logged_out")
    assert (gone["state"], gone["offer"]) == ("logged_out", None)
    assert desk.services.queue.get(QUEUE, waiting.entry_id).state is EntryState.WAITING
    desk.work()
    assert desk.redirects_of(waiting.call_sid)[-1] == \
        "https://ringback.example.com/twilio/voice/agent/requeue?queue=support"

    # Bo turning up gets the caller, who is rung on Bo's phone.
    assert desk.presence(bo, "available", [QUEUE])["offer"]["id"] == \
        entry_ref(QUEUE, waiting.entry_id)
    desk.work()
    assert f"to={quote(OTHER_AGENT_PHONE)}" in desk.redirects_of(waiting.call_sid)[-1]


def test_an_agent_on_a_call_cannot_log_out_until_it_ends(desk):
    ana, _ = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])
    waiting = caller(desk)
    assert desk.services.queue.accept(QUEUE, waiting.entry_id, str(ana))

    refused = post(desk, ana, {"state": "away"})

    assert refused.status_code == 409
    assert desk.state(ana)["state"] == "busy"
    assert desk.state(ana)["offer"]["id"] == entry_ref(QUEUE, waiting.entry_id)
    # Saying "available" while busy changes nothing.
    assert desk.presence(ana, "available")["state"] == "busy"


def test_an_agent_of_two_queues_is_offered_callers_of_either(desk, clock):
    ana, _ = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE, "sales"])
    sale = desk.services.queue.join("sales", NewEntry(call_sid="CA" + "7" * 32,
                                                      caller="+4915112345678"))
    desk.services.routing.router.route("sales")
    assert desk.state(ana)["offer"]["id"] == entry_ref("sales", sale.entry_id)

    desk.presence(ana, "away")  # the offer goes back; the support caller waits for her
    support = caller(desk)
    assert desk.services.queue.get("sales", sale.entry_id).state is EntryState.WAITING
    back = desk.presence(ana, "available")
    assert back["offer"]["id"] in (entry_ref("sales", sale.entry_id),
                                   entry_ref(QUEUE, support.entry_id))
    assert back["queues"] == [QUEUE, "sales"]
