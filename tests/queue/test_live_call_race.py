"""Processes racing on one connecting live caller: the agent answering (whisper), the
offer timing out (miss) and the caller hanging up.  Exactly one transition leaves
``connecting`` each round, and the agent's state agrees with the entry's."""

from __future__ import annotations

import random

import pytest
import redis

from ringback.clock import ManualClock
from ringback.queue.live_states import LiveCallState, offer_text
from ringback.queue.models import AgentState, NewEntry, QueueSettings
from ringback.queue.service import QueueService
from tests.queue.test_queue_race import JITTER_SECONDS, _run, _spin

ROUNDS = 150
QUEUE = "live-race"
S = LiveCallState


def _worker(url: str, role: str, rounds: list[tuple[str, str, str]], barrier, results) -> None:
    """One process, one role: each round, at the same moment as the others, try its
    transition on that round's caller; record whether it applied."""
    client = redis.Redis.from_url(url)
    service = QueueService(client, ManualClock())
    rng = random.Random(role)
    won = []
    for entry_id, agent, offer in rounds:
        barrier.wait()
        _spin(rng.random() * JITTER_SECONDS)
        try:
            if role == "answer":
                ok: object = service.accept(QUEUE, entry_id, agent, offer)
            elif role == "timeout":
                ok = service.miss(QUEUE, entry_id, agent, "the offer timed out", offer)
            else:
                ok = service.leave(QUEUE, entry_id) is not None
        except Exception as exc:  # reported, so that the others never wait forever
            ok = f"{type(exc).__name__}: {exc}"
        won.append(ok)
    results.put((role, won))
    client.close()


@pytest.mark.slow
@pytest.mark.race
def test_answer_timeout_and_hang_up_racing_on_a_connecting_caller_one_wins(
    redis_url, redis_client, clock
):
    service = QueueService(redis_client, clock)
    service.configure(QUEUE, QueueSettings(max_size=ROUNDS))
    rounds = []
    for n in range(ROUNDS):
        agent = f"a{n}"
        entry_id = service.join(QUEUE, NewEntry(call_sid=f"CA{n:032x}")).entry_id
        service.set_agent_state(agent, AgentState.AVAILABLE, [QUEUE])
        offer = service.offer_next(QUEUE)
        assert offer is not None and offer.entry_id == entry_id
        tag = offer_text(offer.entry) or ""
        assert service.ring(QUEUE, entry_id, tag).state is S.CONNECTING
        rounds.append((entry_id, agent, tag))

    won = dict(_run(_worker, [(redis_url, role, rounds)
                              for role in ("answer", "timeout", "hang_up")]))

    events = service.events(QUEUE, count=20 * ROUNDS)
    firsts = {}  # entry -> the first event after its offer: who left connecting
    for e in events:
        if e.type != "offered" and e.type != "joined":
            firsts.setdefault(e.entry_id, e.type)
    outcomes = {"answer": 0, "timeout": 0, "hang_up": 0}
    for i, (entry_id, agent, _) in enumerate(rounds):
        answer, timeout, hang_up = (won[r][i] for r in ("answer", "timeout", "hang_up"))
        for ok in (answer, timeout, hang_up):
            assert isinstance(ok, bool), f"round {i}: {ok}"
        assert not (answer and (timeout or hang_up)), f"round {i}: answered and also left"
        first = firsts.get(entry_id)
        winner = "answer" if answer else "timeout" if timeout else "hang_up" if hang_up else None
        assert winner is not None, f"round {i}: nobody moved the caller"
        expected = {"answer": ("accepted",), "timeout": ("declined", "offer_timed_out"),
                    "hang_up": ("abandoned",)}[winner]
        assert first in expected, f"round {i}: {winner} won but {first} came first"
        outcomes[winner] += 1

        entry = service.get(QUEUE, entry_id)
        presence = service.agent(agent).state
        if answer:
            assert S.of(entry) is S.CONNECTED and presence is AgentState.BUSY
        elif timeout:
            # The caller may have hung up after the miss: from back_in_queue, not connecting.
            assert S.of(entry) is (S.DONE if hang_up else S.BACK_IN_QUEUE)
            assert presence is AgentState.MISSED
        else:
            assert entry is None and presence is AgentState.AVAILABLE
    # The jitter varies who gets there first: more than one role won rounds.
    assert sum(1 for n in outcomes.values() if n) >= 2, outcomes
