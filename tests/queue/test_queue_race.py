"""Processes racing on the same queue: exactly one agent wins each entry, and an
agent in two queues never holds two offers, round after round."""

from __future__ import annotations

import multiprocessing
import random
import time

import pytest
import redis

from ringback.clock import ManualClock
from ringback.queue.models import AgentState, EntryState, NewEntry, QueueSettings
from ringback.queue.service import QueueService

ROUNDS = 300
JITTER_SECONDS = 0.001
QUEUE = "race"


def _accept_worker(url: str, agent: str, entry_ids: list[str], barrier, results) -> None:
    """One process: for each round, race to accept that round's entry, then finish it.

    Every attempt is recorded with its outcome (won or refused), so the test sees
    that both processes tried in every round, whoever won it.  The winner finishes
    the entry only after the second barrier, when the loser has been refused:
    the loser's attempt always meets an accepted entry, never a finished one.
    A random start within a millisecond varies which process gets there first.
    """
    client = redis.Redis.from_url(url)
    service = QueueService(client, ManualClock())
    rng = random.Random(agent)
    attempts = []
    for entry_id in entry_ids:
        barrier.wait()
        _spin(rng.random() * JITTER_SECONDS)
        won = bool(service.accept(QUEUE, entry_id, agent))
        attempts.append((entry_id, won))
        barrier.wait()  # both have tried: now the winner may finish the call
        if won:
            assert service.complete(QUEUE, entry_id, agent, 1.0) is not None
    results.put((agent, attempts))
    client.close()


def _spin(seconds: float) -> None:
    """Busy-wait: a sleep this short would round up to the scheduler's tick."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


def _offer_worker(url: str, queue_id: str, rounds: int, barrier, results) -> None:
    """One process: for each round, route its queue once and decline what it got."""
    client = redis.Redis.from_url(url)
    service = QueueService(client, ManualClock())
    offers = []
    for r in range(rounds):
        barrier.wait()
        offer = service.offer_next(queue_id)
        barrier.wait()  # both processes have routed: compare before giving back
        if offer is not None:
            offers.append(r)
            assert service.decline(queue_id, offer.entry_id, offer.agent_id)
        barrier.wait()
    results.put((queue_id, offers))
    client.close()


def _run(target, argument_sets) -> list:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(argument_sets))
    results = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*a, barrier, results)) for a in argument_sets]
    for p in processes:
        p.start()
    collected = [results.get(timeout=60) for _ in processes]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    return collected


@pytest.mark.slow
@pytest.mark.race
def test_two_processes_racing_to_accept_exactly_one_wins_every_round(
    redis_url, redis_client, clock
):
    service = QueueService(redis_client, clock)
    service.configure(QUEUE, QueueSettings(max_size=ROUNDS, wrap_up_seconds=0))
    entry_ids = [
        service.join(QUEUE, NewEntry(call_sid=f"CA{n:032x}")).entry_id for n in range(ROUNDS)
    ]
    for agent in ("ann", "bob"):
        service.set_agent_state(agent, AgentState.AVAILABLE, [QUEUE])

    results = dict(
        _run(_accept_worker, [(redis_url, agent, entry_ids) for agent in ("ann", "bob")])
    )

    for agent in ("ann", "bob"):
        assert [entry_id for entry_id, _ in results[agent]] == entry_ids, \
            f"{agent} did not try every round"
    ann = {entry_id for entry_id, won in results["ann"] if won}
    bob = {entry_id for entry_id, won in results["bob"] if won}
    assert ann.isdisjoint(bob), "an entry was accepted by both agents"
    assert ann | bob == set(entry_ids), "a round ended without a winner"
    assert service.size(QUEUE) == 0
    for agent in ("ann", "bob"):
        assert service.agent(agent).state == AgentState.AVAILABLE
    accepted = [e for e in service.events(QUEUE, count=10 * ROUNDS) if e.type == "accepted"]
    assert sorted(e.entry_id for e in accepted) == sorted(entry_ids)


@pytest.mark.slow
@pytest.mark.race
def test_an_agent_in_two_queues_routed_by_two_processes_holds_one_offer(
    redis_url, redis_client, clock
):
    service = QueueService(redis_client, clock)
    for queue_id in ("left", "right"):
        service.configure(queue_id, QueueSettings())
        service.join(queue_id, NewEntry(call_sid=f"CA-{queue_id}"))
    service.set_agent_state("ann", AgentState.AVAILABLE, ["left", "right"])
    rounds = ROUNDS // 3

    results = dict(
        _run(_offer_worker, [(redis_url, q, rounds) for q in ("left", "right")])
    )

    left, right = set(results["left"]), set(results["right"])
    assert left.isdisjoint(right), "ann held offers from both queues in one round"
    assert left | right == set(range(rounds)), "a round offered nothing to an idle agent"
    for queue_id in ("left", "right"):
        (entry,) = service.entries(queue_id)
        assert entry.state == EntryState.WAITING
    assert service.agent("ann").state == AgentState.AVAILABLE


CHANGE_ROUNDS = 100


def _change_worker(url: str, index: int, rounds: int, barrier, results) -> None:
    """One process: each round, move agent "cy" to its own queue ("left" or "right")
    at the same moment as the other process; then process 0 checks and resets."""
    client = redis.Redis.from_url(url)
    service = QueueService(client, ManualClock())
    rng = random.Random(index)
    target = ("left", "right")[index]
    broken = []
    for r in range(rounds):
        barrier.wait()
        _spin(rng.random() * JITTER_SECONDS)
        service.set_agent_state("cy", AgentState.AVAILABLE, [target])
        barrier.wait()
        if index == 0:
            presence = service.agent("cy")
            listed = {q for q in ("home", "left", "right") if "cy" in service.available_agents(q)}
            if listed != set(presence.queues):
                broken.append((r, presence.queues, sorted(listed)))
            service.set_agent_state("cy", AgentState.AVAILABLE, ["home"])
        barrier.wait()
    results.put((index, broken))
    client.close()


@pytest.mark.slow
@pytest.mark.race
def test_concurrent_queue_changes_leave_an_agent_available_only_in_its_queues(
    redis_url, redis_client, clock
):
    """Issue 16, item 2: changing an agent's queues was read, log out, write, log in;
    two changes at once ([left] and [right]) could leave the agent available in a
    queue its membership no longer names, forever."""
    service = QueueService(redis_client, clock)
    service.set_agent_state("cy", AgentState.AVAILABLE, ["home"])

    results = dict(_run(_change_worker, [(redis_url, i, CHANGE_ROUNDS) for i in (0, 1)]))

    assert results[0] == [], f"rounds where presence and queue lists disagree: {results[0]}"
    service.set_agent_state("cy", AgentState.LOGGED_OUT)
    for queue_id in ("home", "left", "right"):
        assert "cy" not in service.available_agents(queue_id)
