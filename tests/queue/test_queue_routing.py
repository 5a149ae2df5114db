"""Routing and presence: offers, accept, decline, timeouts, completion, wrap-up."""

from __future__ import annotations

import pytest

from ringback.errors import Conflict, ValidationError
from ringback.queue.models import AgentState, EntryState, EventType, QueueSettings
from ringback.redis_keys import queue_keys


def test_offer_goes_to_the_longest_idle_agent_with_a_deadline(queues, call, login, clock):
    login("bob", "ann")  # bob has been idle longest
    first = queues.join("sales", call(1))
    queues.join("sales", call(2))
    offer = queues.offer_next("sales")
    assert (offer.entry_id, offer.agent_id) == (first.entry_id, "bob")
    assert offer.deadline == clock.now() + 20
    assert offer.entry.state == EntryState.OFFERED
    bob = queues.agent("bob")
    assert (bob.state, bob.queue_id, bob.entry_id) == (AgentState.OFFERED, "sales", first.entry_id)
    assert bob.offer_deadline == offer.deadline
    # The offered entry keeps its position; the next offer goes to ann.
    assert queues.position("sales", first.entry_id) == 1
    assert queues.offer_next("sales").agent_id == "ann"


def test_no_offer_without_an_agent_or_without_callers(queues, call, login):
    queues.join("sales", call(1))
    assert queues.offer_next("sales") is None
    queues.configure("empty", QueueSettings())
    login("ann", queues_=("empty",))
    assert queues.offer_next("empty") is None


def test_an_agent_never_holds_two_offers(queues, call, login):
    login("ann")
    queues.join("sales", call(1))
    queues.join("sales", call(2))
    assert queues.offer_next("sales") is not None
    assert queues.offer_next("sales") is None
    offered = [e for e in queues.entries("sales") if e.state == EntryState.OFFERED]
    assert len(offered) == 1


def test_an_agent_in_two_queues_gets_one_offer_at_a_time(queues, call, login):
    queues.configure("support", QueueSettings())
    login("ann", queues_=("sales", "support"))
    queues.join("sales", call(1))
    queues.join("support", call(2))
    offer = queues.offer_next("sales")
    assert offer is not None
    assert queues.offer_next("support") is None
    assert queues.available_agents("support") == []
    assert queues.decline("sales", offer.entry_id, "ann")
    assert queues.available_agents("support") == ["ann"]
    assert queues.offer_next("support").agent_id == "ann"


def test_accept_of_an_offer_makes_the_agent_busy(queues, call, login, clock):
    login("ann")
    entry = queues.join("sales", call(1))
    clock.advance(30)
    offer = queues.offer_next("sales")
    assert queues.accept("sales", offer.entry_id, "ann")
    taken = queues.get("sales", entry.entry_id)
    assert (taken.state, taken.accepted_by, taken.accepted_at) == (
        EntryState.ACCEPTED,
        "ann",
        clock.now(),
    )
    assert queues.position("sales", entry.entry_id) is None
    ann = queues.agent("ann")
    assert (ann.state, ann.entry_id) == (AgentState.BUSY, entry.entry_id)
    accepted = queues.events("sales")[-1]
    assert (accepted.type, accepted.agent_id, accepted.wait_seconds) == (
        EventType.ACCEPTED,
        "ann",
        30.0,
    )


def test_accepting_twice_is_idempotent(queues, call, login):
    login("ann")
    entry = queues.join("sales", call(1))
    assert queues.accept("sales", entry.entry_id, "ann")
    assert queues.accept("sales", entry.entry_id, "ann")


def test_an_entry_offered_to_one_agent_cannot_be_taken_by_another(queues, call, login):
    login("ann", "bob")
    entry = queues.join("sales", call(1))
    assert queues.offer_next("sales").agent_id == "ann"
    assert not queues.accept("sales", entry.entry_id, "bob")
    assert queues.agent("bob").state == AgentState.AVAILABLE
    assert queues.accept("sales", entry.entry_id, "ann")
    assert not queues.accept("sales", entry.entry_id, "bob")
    assert queues.available_agents("sales") == ["bob"]


def test_an_agent_can_pick_a_waiting_callback_from_the_console(queues, call, login):
    login("ann", "bob")
    callback = queues.join("sales", call(1, callback="+14155550123"))
    assert queues.accept("sales", callback.entry_id, "bob")
    assert queues.available_agents("sales") == ["ann"]
    assert queues.offer_next("sales") is None


def test_a_busy_agent_cannot_accept_and_the_entry_keeps_its_place(queues, call, login):
    login("ann")
    first, second = queues.join("sales", call(1)), queues.join("sales", call(2))
    assert queues.accept("sales", first.entry_id, "ann")
    with pytest.raises(Conflict):
        queues.accept("sales", second.entry_id, "ann")
    assert queues.get("sales", second.entry_id).state == EntryState.WAITING
    assert queues.position("sales", second.entry_id) == 1


def test_an_agent_outside_the_queue_cannot_accept(queues, call, login):
    queues.configure("support", QueueSettings())
    login("ann", queues_=("support",))
    entry = queues.join("sales", call(1))
    with pytest.raises(Conflict):
        queues.accept("sales", entry.entry_id, "ann")
    assert queues.position("sales", entry.entry_id) == 1
    assert queues.agent("ann").state == AgentState.AVAILABLE


def test_declined_callback_returns_to_its_place(queues, call, login, clock):
    login("ann", "bob")
    entries = [queues.join("sales", call(n, callback=f"+1415555012{n}")) for n in range(3)]
    offer = queues.offer_next("sales")
    assert offer.entry_id == entries[0].entry_id
    clock.advance(5)
    assert queues.decline("sales", offer.entry_id, "ann")
    back = queues.get("sales", offer.entry_id)
    assert (back.state, back.declined_by) == (EntryState.WAITING, ("ann",))
    assert [e.entry_id for e in queues.entries("sales")] == [e.entry_id for e in entries]
    assert queues.agent("ann").state == AgentState.AVAILABLE


def test_a_declined_entry_goes_to_the_others_first(queues, call, login):
    login("ann", "bob", "cid")
    first, second = queues.join("sales", call(1)), queues.join("sales", call(2))
    assert queues.offer_next("sales").agent_id == "ann"
    assert queues.decline("sales", first.entry_id, "ann")
    # ann is still the longest idle, but the head entry skips her.
    offer = queues.offer_next("sales")
    assert (offer.entry_id, offer.agent_id) == (first.entry_id, "bob")
    offer = queues.offer_next("sales")
    assert (offer.entry_id, offer.agent_id) == (second.entry_id, "ann")


def test_a_declined_entry_comes_back_once_everyone_has_seen_it(queues, call, login):
    login("ann", "bob")
    entry = queues.join("sales", call(1))
    for agent in ("ann", "bob"):
        offer = queues.offer_next("sales")
        assert (offer.entry_id, offer.agent_id) == (entry.entry_id, agent)
        assert queues.decline("sales", entry.entry_id, agent)
    offer = queues.offer_next("sales")
    assert offer.agent_id == "ann"
    assert offer.entry.declined_by == ()


def test_a_declined_entry_waits_for_a_busy_colleague(queues, call, login):
    login("ann", "bob")
    first, second, third = (queues.join("sales", call(n)) for n in range(3))
    assert queues.accept("sales", first.entry_id, "bob")
    offer = queues.offer_next("sales")
    assert (offer.entry_id, offer.agent_id) == (second.entry_id, "ann")
    assert queues.decline("sales", second.entry_id, "ann")
    # bob has not seen it yet: ann gets the next caller, the declined one waits for bob.
    assert queues.offer_next("sales").entry_id == third.entry_id


def test_decline_by_an_agent_without_the_offer_changes_nothing(queues, call, login):
    login("ann", "bob")
    entry = queues.join("sales", call(1))
    queues.offer_next("sales")
    assert not queues.decline("sales", entry.entry_id, "bob")
    assert queues.get("sales", entry.entry_id).offered_to == "ann"


def test_an_unanswered_offer_times_out_and_moves_on(queues, call, login, clock):
    login("ann", "bob")
    entry = queues.join("sales", call(1))
    offer = queues.offer_next("sales")
    clock.advance(19)
    assert not queues.offer_timed_out("sales", entry.entry_id, "ann")
    assert queues.get("sales", entry.entry_id).offered_to == "ann"
    clock.advance(1)
    assert queues.offer_timed_out("sales", entry.entry_id, "ann")
    assert queues.get("sales", offer.entry_id).state == EntryState.WAITING
    assert queues.get("sales", entry.entry_id).declined_by == ("ann",)
    # ann goes to the end of the idle line.
    assert queues.available_agents("sales") == ["bob", "ann"]
    assert queues.offer_next("sales").agent_id == "bob"
    assert queues.events("sales")[-2].type == EventType.OFFER_TIMED_OUT


def test_a_late_timeout_of_an_older_offer_leaves_the_new_one_alone(queues, call, login, clock):
    login("ann")
    entry = queues.join("sales", call(1))
    queues.offer_next("sales")
    assert queues.decline("sales", entry.entry_id, "ann")
    clock.advance(10)
    queues.offer_next("sales")  # everyone has seen it: back to ann, new deadline
    clock.advance(10)  # the first offer's deadline
    assert not queues.offer_timed_out("sales", entry.entry_id, "ann")
    assert queues.agent("ann").state == AgentState.OFFERED


def test_complete_sends_the_agent_to_wrap_up(queues, call, login, clock):
    login("ann")
    entry = queues.join("sales", call(1))
    assert queues.accept("sales", entry.entry_id, "ann")
    clock.advance(90)
    done = queues.complete("sales", entry.entry_id, "ann", 90.0)
    assert done.state == EntryState.COMPLETED
    assert queues.get("sales", entry.entry_id) is None
    assert queues.entry_for_call("sales", entry.call_sid) is None
    ann = queues.agent("ann")
    assert (ann.state, ann.wrap_up_until) == (AgentState.WRAP_UP, clock.now() + 30)
    assert queues.available_agents("sales") == []
    completed = queues.events("sales")[-1]
    assert (completed.type, completed.handle_seconds) == (EventType.COMPLETED, 90.0)
    clock.advance(29)
    assert not queues.end_wrap_up("ann", only_if_due=True)
    clock.advance(1)
    assert queues.end_wrap_up("ann", only_if_due=True)
    ann = queues.agent("ann")
    assert (ann.state, ann.idle_since) == (AgentState.AVAILABLE, clock.now())
    assert queues.available_agents("sales") == ["ann"]


def test_an_agent_may_end_wrap_up_early(queues, call, login):
    login("ann")
    entry = queues.join("sales", call(1))
    queues.accept("sales", entry.entry_id, "ann")
    queues.complete("sales", entry.entry_id, "ann", 10)
    assert queues.end_wrap_up("ann")
    assert not queues.end_wrap_up("ann")


def test_without_wrap_up_the_agent_is_available_at_once(queues, call, login):
    queues.configure("sales", QueueSettings(wrap_up_seconds=0))
    login("ann")
    entry = queues.join("sales", call(1))
    queues.accept("sales", entry.entry_id, "ann")
    queues.complete("sales", entry.entry_id, "ann", 10)
    assert queues.agent("ann").state == AgentState.AVAILABLE
    assert queues.available_agents("sales") == ["ann"]


def test_wrap_up_set_by_another_process_applies_to_the_next_completion(
    queues, call, login, redis_client, clock
):
    from ringback.queue.service import QueueService

    login("ann")
    QueueService(redis_client, clock).configure("sales", QueueSettings(wrap_up_seconds=5))
    entry = queues.join("sales", call(1))
    queues.accept("sales", entry.entry_id, "ann")
    queues.complete("sales", entry.entry_id, "ann", 10)
    assert queues.agent("ann").wrap_up_until == clock.now() + 5


def test_complete_by_an_agent_without_the_call_does_nothing(queues, call, login):
    login("ann", "bob")
    entry = queues.join("sales", call(1))
    queues.accept("sales", entry.entry_id, "ann")
    assert queues.complete("sales", entry.entry_id, "bob", 10) is None
    assert queues.get("sales", entry.entry_id).accepted_by == "ann"
    with pytest.raises(ValidationError):
        queues.complete("sales", entry.entry_id, "ann", -1)


def test_a_caller_hanging_up_during_an_offer_frees_the_agent(queues, call, login):
    login("ann")
    entry = queues.join("sales", call(1))
    queues.offer_next("sales")
    left = queues.leave("sales", entry.entry_id)
    assert left.offered_to == "ann"
    assert queues.agent("ann").state == AgentState.AVAILABLE
    assert queues.available_agents("sales") == ["ann"]


def test_logging_out_during_an_offer_returns_the_entry_to_its_place(queues, call, login):
    login("ann")
    first, second = queues.join("sales", call(1)), queues.join("sales", call(2))
    queues.offer_next("sales")
    out = queues.set_agent_state("ann", AgentState.LOGGED_OUT)
    assert out.state == AgentState.LOGGED_OUT
    back = queues.get("sales", first.entry_id)
    assert (back.state, back.declined_by) == (EntryState.WAITING, ())
    assert [e.entry_id for e in queues.entries("sales")] == [first.entry_id, second.entry_id]
    assert queues.available_agents("sales") == []
    withdrawn = queues.events("sales")[-1]
    assert (withdrawn.type, withdrawn.reason) == (EventType.WITHDRAWN, "agent_logged_out")


def test_presence_changes_that_would_lose_a_call_are_refused(queues, call, login):
    login("ann")
    entry = queues.join("sales", call(1))
    queues.accept("sales", entry.entry_id, "ann")
    with pytest.raises(Conflict):
        queues.set_agent_state("ann", AgentState.LOGGED_OUT)
    with pytest.raises(Conflict):
        queues.set_agent_state("ann", AgentState.AVAILABLE)
    with pytest.raises(ValidationError):
        queues.set_agent_state("ann", AgentState.BUSY)


def test_changing_queues_moves_the_agent_between_available_lists(queues, login):
    queues.configure("support", QueueSettings())
    login("ann")
    presence = queues.set_agent_state("ann", AgentState.AVAILABLE, ["support"])
    assert presence.queues == ("support",)
    assert queues.available_agents("sales") == []
    assert queues.available_agents("support") == ["ann"]
    assert queues.agent("ann").queues == ("support",)
    assert queues.agent("nobody").state == AgentState.LOGGED_OUT


def test_a_stale_agent_on_the_available_list_is_skipped_and_dropped(
    queues, call, login, redis_client
):
    login("ann", "bob")
    queues.set_agent_state("ann", AgentState.LOGGED_OUT)
    # As if the mirror update after ann's logout had been lost (a process died).
    redis_client.zadd(queue_keys("sales").available, {"ann": 0})
    entry = queues.join("sales", call(1))
    offer = queues.offer_next("sales")
    assert (offer.entry_id, offer.agent_id) == (entry.entry_id, "bob")
    assert queues.available_agents("sales") == []
    assert [e.type for e in queues.events("sales")][-3:] == [
        EventType.OFFERED,
        EventType.WITHDRAWN,
        EventType.OFFERED,
    ]
