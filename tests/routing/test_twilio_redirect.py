"""Moving a live caller to an agent (and back) through the real Twilio adapter, against
the contract-checked stand-in for Twilio's REST API: the exact Call update."""

from __future__ import annotations

from ringback.queue.models import AgentState, EventType
from ringback.routing.urls import AgentUrls, OfferTag
from tests.e2e.live_desk import AGENT_PHONE
from tests.routing.conftest import BUSINESS, CALLER, OFFER_SECONDS, QUEUE, caller

BASE = "https://ringback.example.com"


def test_ringing_an_agent_updates_the_callers_call_with_the_connect_url(
    twilio_desk, twilio_standin, clock
):
    sid = twilio_standin.add_call(to=BUSINESS, from_=CALLER)
    ana, _ = twilio_desk.agent("Ana")
    waiting = caller(twilio_desk, sid=sid)
    twilio_desk.presence(ana, "available", [QUEUE])
    tag = OfferTag.of_entry(twilio_desk.services.queue.get(QUEUE, waiting.entry_id))
    assert tag is not None

    twilio_desk.work()

    (update,) = twilio_standin.requests_for("UpdateCall")
    assert update.method == "POST"
    assert update.path == f"/2010-04-01/Accounts/{twilio_standin.account_sid}/Calls/{sid}.json"
    connect = AgentUrls(BASE).connect(tag, AGENT_PHONE, OFFER_SECONDS)
    assert update.form == {"Url": [connect], "Method": ["POST"]}
    assert twilio_standin.call(sid).url == connect
    assert twilio_standin.violations == []

    # The offer times out while the phone rings: Twilio moves the caller back to holding.
    clock.advance(OFFER_SECONDS)
    assert twilio_desk.sweep() == 1
    twilio_desk.work()
    back = twilio_standin.requests_for("UpdateCall")[-1]
    assert back.form == {"Url": [AgentUrls(BASE).requeue(QUEUE)], "Method": ["POST"]}
    assert twilio_standin.violations == []


def test_a_caller_whose_call_already_ended_is_abandoned_and_the_agent_free_again(
    twilio_desk, twilio_standin
):
    sid = twilio_standin.add_call(to=BUSINESS, from_=CALLER, status="completed")
    ana, _ = twilio_desk.agent("Ana")
    waiting = caller(twilio_desk, sid=sid)
    twilio_desk.presence(ana, "available", [QUEUE])

    twilio_desk.work()  # Twilio answers 21220: the call is not in progress

    assert [r.status for r in twilio_standin.requests_for("UpdateCall")] == [400]
    assert twilio_desk.services.queue.get(QUEUE, waiting.entry_id) is None
    assert [e.type for e in twilio_desk.events(QUEUE)][-1] is EventType.ABANDONED
    assert twilio_desk.services.queue.agent(str(ana)).state is AgentState.AVAILABLE
