"""The agent state machine (docs/routing.md's table): away and missed are engine
states, each transition answers with named fields, and a refused transition
changes nothing."""

from __future__ import annotations

import pytest

from ringback.errors import Conflict
from ringback.queue.models import AgentState, EntryState, EventType
from ringback.queue.presence import Presence
from ringback.queue.runner import ScriptRunner


@pytest.fixture
def presence(redis_client, clock) -> Presence:
    return Presence(ScriptRunner(redis_client), redis_client, clock)


def test_a_missed_agent_is_off_every_member_queue_until_back(queues, call, login, clock):
    login("ann", "bob", queues_=("sales", "other"))
    entry = queues.join("sales", call(1))
    offer = queues.offer_next("sales")
    assert offer.agent_id == "ann"
    clock.advance(5)

    assert queues.miss("sales", entry.entry_id, "ann", "the agent did not answer")

    ann = queues.agent("ann")
    assert ann.state is AgentState.MISSED
    assert (ann.missed.queue_id, ann.missed.entry_id, ann.missed.detail) == (
        "sales", entry.entry_id, "the agent did not answer")
    assert ann.away_since == ann.missed.since == clock.now()
    assert queues.available_agents("sales") == ["bob"]
    assert queues.available_agents("other") == ["bob"]
    back = queues.get("sales", entry.entry_id)
    assert (back.state, back.declined_by) == (EntryState.WAITING, ("ann",))
    assert queues.events("sales")[-1].type is EventType.DECLINED  # before its deadline
    assert not queues.miss("sales", entry.entry_id, "ann", "again")  # no offer to miss

    assert queues.offer_next("sales").agent_id == "bob"  # not ann: she is missed

    queues.set_agent_state("ann", AgentState.AVAILABLE)
    assert queues.agent("ann").missed is None
    assert "ann" in queues.available_agents("other")


def test_a_miss_after_the_deadline_is_a_timeout(queues, call, login, clock):
    login("ann")
    entry = queues.join("sales", call(1))
    queues.offer_next("sales")
    clock.advance(20)
    assert queues.miss("sales", entry.entry_id, "ann", "the offer timed out")
    assert queues.events("sales")[-1].type is EventType.OFFER_TIMED_OUT
    assert queues.agent("ann").state is AgentState.MISSED


def test_going_away_drops_an_offer_and_is_refused_during_a_call(queues, call, login, clock):
    login("ann", "bob")
    first = queues.join("sales", call(1))
    queues.offer_next("sales")

    away = queues.set_agent_state("ann", AgentState.AWAY)

    assert (away.state, away.away_since) == (AgentState.AWAY, clock.now())
    assert queues.get("sales", first.entry_id).state is EntryState.WAITING
    assert queues.available_agents("sales") == ["bob"]
    assert queues.accept("sales", first.entry_id, "bob")
    with pytest.raises(Conflict):
        queues.set_agent_state("bob", AgentState.AWAY)
    assert queues.agent("bob").state is AgentState.BUSY


def test_transitions_answer_with_named_fields(presence, clock):
    logged_in = presence.set_state("cy", AgentState.AVAILABLE, ["sales", "other"])
    assert logged_in.queues == ("sales", "other")

    claim = presence.claim("cy", "sales", "a1", f"{clock.now() + 20:.3f}")
    assert (claim.ok, claim.state, claim.previous) == (True, AgentState.OFFERED,
                                                       AgentState.AVAILABLE)
    assert (claim.queue_id, claim.entry_id, claim.queues) == ("sales", "a1", ("sales", "other"))

    second = presence.claim("cy", "other", "a2", f"{clock.now() + 20:.3f}")
    assert (second.ok, second.status, second.version) == (False, "offered", claim.version)

    done = presence.done("cy", "sales", "a1", 30)  # not busy with it: refused
    assert (done.ok, done.status) == (False, "offered")
    assert presence.get("cy").entry_id == "a1"


def test_changing_queues_moves_the_agent_in_one_step(queues, login):
    login("ann", queues_=("sales", "other"))
    moved = queues.set_agent_state("ann", AgentState.AVAILABLE, ["third"])
    assert moved.queues == ("third",)
    assert [queues.available_agents(q) for q in ("sales", "other", "third")] == [
        [], [], ["ann"]]


def test_a_removed_agent_is_a_member_of_no_queue(queues, call, login):
    login("ann", "bob", queues_=("sales", "other"))
    entry = queues.join("sales", call(1))
    queues.offer_next("sales")

    gone = queues.remove_agent("ann")

    assert (gone.state, gone.queues) == (AgentState.LOGGED_OUT, ())
    assert queues.available_agents("sales") == queues.available_agents("other") == ["bob"]
    assert queues.get("sales", entry.entry_id).state is EntryState.WAITING
