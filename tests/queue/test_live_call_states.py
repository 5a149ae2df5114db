"""A live call's state machine: the state is stored with the entry, each transition is
one script that checks its from-state and answers named fields (``live_states``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from ringback.clock import ManualClock
from ringback.queue.live_states import TRANSITIONS, LiveCallState, LiveChange, offer_text
from ringback.queue.models import AgentState, EntryState
from ringback.queue.runner import ScriptRunner
from ringback.queue.service import QueueService
from ringback.redis_keys import queue_keys

S = LiveCallState
Q = "sales"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "routing.md"


class Walk:
    """Drives one live caller of queue "sales" into a state, then through an event."""

    def __init__(self, queues: QueueService, call: Callable, login: Callable) -> None:
        self.q = queues
        self.entry_id = queues.join(Q, call(1)).entry_id
        self.login = login
        self.offer = ""  # the offer (OfferTag text) the caller was last in

    def state(self) -> LiveCallState:
        return S.of(self.q.get(Q, self.entry_id))

    def offered(self, agent: str = "ana") -> None:
        self.login(agent)
        offer = self.q.offer_next(Q)
        assert offer is not None and offer.entry_id == self.entry_id
        self.offer = offer_text(offer.entry) or ""

    def agent(self) -> str:
        return self.offer.split("@")[0]

    def reach(self, state: LiveCallState) -> None:
        if state is S.JOINED:
            return
        self.offered()
        if state is S.CONNECTED:
            assert self.q.accept(Q, self.entry_id, "ana", self.offer)
        elif state in (S.CONNECTING, S.BACK_IN_QUEUE):
            assert self.q.ring(Q, self.entry_id, self.offer).ok
            if state is S.BACK_IN_QUEUE:
                assert self.q.miss(Q, self.entry_id, "ana", "no answer", self.offer)
        assert self.state() is state

    def event(self, script: str, to: LiveCallState) -> bool:
        """Run the transition ``script`` to ``to``; True when it applied."""
        q, e = self.q, self.entry_id
        if script == "RESERVE":
            self.offered("bo")
            return True
        if script == "RING":
            return q.ring(Q, e, self.offer).ok
        if script == "ACCEPT":
            if self.offer and self.state() is not S.JOINED:
                return q.accept(Q, e, self.agent(), self.offer)
            self.login("bo")
            return q.accept(Q, e, "bo")
        if script == "DECLINE":
            if to is S.JOINED:
                return q.decline(Q, e, self.agent())
            return q.miss(Q, e, self.agent(), "no answer", self.offer)
        if script == "WITHDRAW":  # the offered agent logs out: AGENT_SET, then WITHDRAW
            q.set_agent_state(self.agent(), AgentState.LOGGED_OUT)
            return S.of(q.get(Q, e)) is to
        if script == "REQUEUE":
            return q.requeue(Q, e, self.offer).ok
        if script == "COMPLETE":
            return q.complete(Q, e, "ana", 12.0) is not None
        assert script == "DROP"
        return q.leave(Q, e) is not None


@pytest.fixture
def walk(queues: QueueService, call: Callable, login: Callable) -> Walk:
    return Walk(queues, call, login)


CASES = [(f, event, to, script) for froms, event, to, script in TRANSITIONS for f in froms]


@pytest.mark.parametrize(("start", "event", "to", "script"), CASES,
                         ids=[f"{c[0].value}-{c[3]}-{c[2].value}" for c in CASES])
def test_each_transition_goes_to_its_state(walk, start, event, to, script):
    walk.reach(start)
    assert walk.event(script, to), f"{script} refused from {start.value} ({event})"
    assert walk.state() is to


# Transitions the table does not allow: the script refuses and nothing changes.
REFUSED = [
    (S.JOINED, "RING"), (S.CONNECTING, "RING"), (S.BACK_IN_QUEUE, "RING"), (S.CONNECTED, "RING"),
    (S.JOINED, "REQUEUE"), (S.OFFERED, "REQUEUE"), (S.CONNECTED, "REQUEUE"),
    (S.CONNECTED, "DECLINE"), (S.BACK_IN_QUEUE, "DECLINE"),
    (S.JOINED, "COMPLETE"), (S.OFFERED, "COMPLETE"), (S.CONNECTING, "COMPLETE"),
    (S.CONNECTED, "DROP"), (S.BACK_IN_QUEUE, "ACCEPT"),
]


@pytest.mark.parametrize(("start", "script"), REFUSED,
                         ids=[f"{s.value}-{script}" for s, script in REFUSED])
def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(
    walk, queues, start, script
):
    walk.reach(start)
    before = queues.get(Q, walk.entry_id)
    if script == "ACCEPT":  # the agent answers a phone whose offer is over
        assert not queues.accept(Q, walk.entry_id, walk.agent(), walk.offer)
    else:
        assert not walk.event(script, S.BACK_IN_QUEUE)
    assert queues.get(Q, walk.entry_id) == before
    assert walk.state() is start


def test_ring_answers_named_fields_and_rings_once(walk):
    walk.reach(S.OFFERED)
    first = walk.q.ring(Q, walk.entry_id, walk.offer)
    assert (first.status, first.previous, first.state) == ("ok", S.OFFERED, S.CONNECTING)
    assert first.entry is not None and first.entry.rung == walk.offer
    assert first.entry.call_sid == f"CA{1:032x}"
    again = walk.q.ring(Q, walk.entry_id, walk.offer)
    assert (again.status, again.previous, again.state) == ("rung", S.CONNECTING, S.CONNECTING)


def test_a_late_requeue_of_an_older_offer_leaves_the_newer_ring_alone(walk, clock):
    walk.reach(S.BACK_IN_QUEUE)
    old = walk.offer
    walk.offered("bo")
    assert walk.q.ring(Q, walk.entry_id, walk.offer).ok
    late = walk.q.requeue(Q, walk.entry_id, old)
    assert (late.status, late.state) == ("not_rung", S.CONNECTING)
    assert walk.state() is S.CONNECTING


def test_a_ring_for_an_ended_offer_or_a_gone_caller_is_refused_by_name(walk, queues, call):
    walk.reach(S.OFFERED)
    stale = walk.offer.split("@")[0] + "@1"
    refused = queues.ring(Q, walk.entry_id, stale)
    assert (refused.status, refused.previous, refused.state) == ("offer", S.OFFERED, S.OFFERED)
    assert queues.leave(Q, walk.entry_id) is not None
    gone = queues.ring(Q, walk.entry_id, walk.offer)
    assert (gone.status, gone.state, gone.entry) == ("gone", S.DONE, None)
    callback = queues.join(Q, call(2, callback="+14155550177")).entry_id
    assert queues.ring(Q, callback, walk.offer).status == "kind"
    assert queues.ring(Q, "not an id", walk.offer).status == "gone"


def script_change(client: redis.Redis, script: str, args: list[object],
                  left: EntryState | None = None) -> LiveChange:
    """One queue script run directly, its reply parsed: the named-field contract."""
    reply = ScriptRunner(client).call(script, queue_keys(Q).for_script(script), args)
    return LiveChange.from_reply(Q, reply, left)


def test_accept_complete_and_drop_answer_previous_state_agent_and_record(
    walk, redis_client, clock: ManualClock
):
    walk.reach(S.CONNECTING)
    now = f"{clock.now():.3f}"
    accepted = script_change(redis_client, "ACCEPT", [now, walk.entry_id, "ana", walk.offer])
    assert (accepted.status, accepted.previous, accepted.state, accepted.agent) == \
        ("ok", S.CONNECTING, S.CONNECTED, "ana")
    assert accepted.entry is not None and accepted.entry.accepted_by == "ana"

    done = script_change(redis_client, "COMPLETE", [now, walk.entry_id, "ana", "7.0", 30, 0.2],
                         EntryState.COMPLETED)
    assert (done.status, done.previous, done.state, done.wrap_up) == \
        ("ok", S.CONNECTED, S.DONE, 30)
    assert done.entry is not None and done.entry.state is EntryState.COMPLETED

    dropped = script_change(redis_client, "DROP", [now, walk.entry_id, "abandoned", "x", "0", ""])
    assert (dropped.status, dropped.state, dropped.entry) == ("gone", S.DONE, None)


def test_a_miss_answers_the_agent_and_keeps_the_ring_note(walk, redis_client, clock):
    walk.reach(S.CONNECTING)
    args = [f"{clock.now():.3f}", walk.entry_id, "ana", "miss", walk.offer]
    missed = script_change(redis_client, "DECLINE", args)
    assert (missed.status, missed.previous, missed.state, missed.agent) == \
        ("ok", S.CONNECTING, S.BACK_IN_QUEUE, "ana")
    assert missed.entry is not None and missed.entry.rung == walk.offer
    again = script_change(redis_client, "DECLINE", args)
    assert (again.status, again.previous) == ("state", S.BACK_IN_QUEUE)


def test_an_answer_for_an_offer_that_timed_out_meanwhile_does_not_take_the_caller(
    walk, queues, clock
):
    """The whisper's acceptance names its offer: once the offer is over, the agent
    answering no longer takes the caller, even though the caller is waiting."""
    walk.reach(S.CONNECTING)
    clock.advance(21)
    assert queues.offer_timed_out(Q, walk.entry_id, "ana")
    assert not queues.accept(Q, walk.entry_id, "ana", walk.offer)
    assert walk.state() is S.BACK_IN_QUEUE
    assert queues.agent("ana").state is AgentState.AVAILABLE


def _docs_transitions() -> set[tuple[tuple[str, ...], str, str]]:
    text = DOCS.read_text()
    section = text.split("### Live call states", 1)[1].split("\n## ", 1)[0]
    rows = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`[A-Z_]+`", cells[3]):
            froms = tuple(sorted(re.findall(r"`([a-z_]+)`", cells[0])))
            rows.add((froms, cells[2].strip("`"), cells[3].strip("`")))
    return rows


def test_the_docs_table_lists_exactly_the_transitions_of_the_scripts():
    ours = {(tuple(sorted(f.value for f in froms)), to.value, script)
            for froms, _, to, script in TRANSITIONS}
    assert _docs_transitions() == ours
