"""The queue engine against a plain in-memory model, over random operation sequences.

After every step: no entry lost or duplicated, the order is (priority, enqueue
time, sequence), every agent holds at most one offer and it matches the entry,
declined entries are back at their place, presence and available lists agree.
It runs twice: with agents of this queue only (presence in the queue's slot)
and with agents who also belong to a second queue (presence on their own key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ringback.clock import ManualClock
from ringback.errors import Conflict
from ringback.queue.models import (
    AgentState,
    EntryKind,
    EntryState,
    Intent,
    NewEntry,
    QueueFull,
    QueueSettings,
)
from ringback.queue.service import QueueService

Q = "q"
AGENTS = ("a1", "a2", "a3")
SIDS = tuple(f"CA{n:032x}" for n in range(10))
NUMBERS = ("+14155550001", "+14155550002", "+14155550003")
SETTINGS = QueueSettings(
    max_size=6,
    offer_timeout_seconds=20,
    wrap_up_seconds=30,
    priorities={Intent.BOOKING: 2},
)


@dataclass
class ModelEntry:
    eid: str
    seq: int
    priority: int
    enqueued_at: float
    kind: EntryKind
    sid: str
    callback: str = ""
    state: EntryState = EntryState.WAITING
    offered_to: str | None = None
    deadline: float | None = None
    accepted_by: str | None = None
    declined: list[str] = field(default_factory=list)

    def order(self) -> tuple[int, int, int]:
        return (-self.priority, math.floor(self.enqueued_at * 1000), self.seq)


@dataclass
class ModelAgent:
    state: AgentState = AgentState.LOGGED_OUT
    idle: float | None = None
    holding: str | None = None
    wrap_until: float | None = None


class QueueMachine(RuleBasedStateMachine):
    def __init__(self, client: redis.Redis, memberships: list[str]) -> None:
        super().__init__()
        client.flushdb()
        self.clock = ManualClock()
        self.service = QueueService(client, self.clock)
        self.memberships = memberships
        for queue_id in memberships:
            self.service.configure(queue_id, SETTINGS)
        self.entries: dict[str, ModelEntry] = {}
        self.agents = {a: ModelAgent() for a in AGENTS}
        self.seq = 0
        for agent in AGENTS[:2]:
            self.log_in(agent)
            self.clock.advance(1)

    # Helpers of the model

    def now(self) -> float:
        return float(f"{self.clock.now():.3f}")

    def ordered(self) -> list[ModelEntry]:
        queued = [e for e in self.entries.values() if e.state != EntryState.ACCEPTED]
        return sorted(queued, key=ModelEntry.order)

    def pick(self, index: int) -> str:
        """An entry id of the model, or (index 0) one that never existed."""
        known = sorted(self.entries, key=lambda eid: (len(eid), eid))
        if index == 0 or not known:
            return "zz1"
        return known[index % len(known)]

    def release(self, agent: str, idle_now: bool) -> None:
        a = self.agents[agent]
        a.state, a.holding = AgentState.AVAILABLE, None
        if idle_now:
            a.idle = self.now()

    def drop(self, eid: str, accepted_too: bool, live_only: bool = False) -> bool:
        e = self.entries.get(eid)
        if e is None or (e.state == EntryState.ACCEPTED and not accepted_too):
            return False
        if live_only and e.kind != EntryKind.LIVE:
            return False  # a hang-up never abandons a callback
        del self.entries[eid]
        if e.state == EntryState.OFFERED:
            self.release(e.offered_to, idle_now=False)
        elif e.state == EntryState.ACCEPTED:
            self.release(e.accepted_by, idle_now=True)
        return True

    def active_callback(self, number: str) -> ModelEntry | None:
        return next(
            (
                e
                for e in self.entries.values()
                if e.kind == EntryKind.CALLBACK and e.callback == number
            ),
            None,
        )

    # Rules

    @rule(
        sid=st.sampled_from(SIDS),
        callback=st.none() | st.sampled_from(NUMBERS),
        priority=st.none() | st.integers(0, 3),
        intent=st.sampled_from(list(Intent)),
    )
    def join(self, sid, callback, priority, intent):
        kind = EntryKind.CALLBACK if callback else EntryKind.LIVE
        new = NewEntry(
            call_sid=sid,
            caller="+14155559999",
            kind=kind,
            callback_number=callback or "",
            intent=intent,
            priority=priority,
        )
        existing = next((e for e in self.entries.values() if e.sid == sid), None)
        if existing is None and callback:
            existing = self.active_callback(callback)
        if existing is None and len(self.ordered()) >= SETTINGS.max_size:
            with pytest.raises(QueueFull):
                self.service.join(Q, new)
            return
        got = self.service.join(Q, new)
        if existing is not None:
            assert got.entry_id == existing.eid
            return
        assert got.entry_id not in self.entries
        self.seq += 1
        prio = priority if priority is not None else SETTINGS.priorities.get(intent, 0)
        self.entries[got.entry_id] = ModelEntry(
            got.entry_id, self.seq, prio, self.now(), kind, sid, callback or ""
        )

    @rule(index=st.integers(0, 20), number=st.sampled_from(NUMBERS))
    def convert(self, index, number):
        eid = self.pick(index)
        e = self.entries.get(eid)
        if e is None:
            with pytest.raises(Exception, match="not found"):
                self.service.convert_to_callback(Q, eid, number)
            return
        if e.state == EntryState.ACCEPTED:
            with pytest.raises(Conflict):
                self.service.convert_to_callback(Q, eid, number)
            return
        got = self.service.convert_to_callback(Q, eid, number)
        if e.kind == EntryKind.CALLBACK and e.callback == number:
            assert got.entry_id == eid
            return
        other = self.active_callback(number)
        if other is not None and other.eid != eid:
            if other.state != EntryState.WAITING:
                keep_other = True
            elif e.state != EntryState.WAITING:
                keep_other = False
            else:
                keep_other = other.order() < e.order()
            if keep_other:
                assert got.entry_id == other.eid
                self.drop(eid, accepted_too=False)
                return
            self.drop(other.eid, accepted_too=False)
        assert got.entry_id == eid
        e.kind, e.callback = EntryKind.CALLBACK, number

    @rule(index=st.integers(0, 20), how=st.sampled_from(["leave", "expire", "remove"]))
    def drop_entry(self, index, how):
        eid = self.pick(index)
        expected = self.drop(eid, accepted_too=how == "remove", live_only=how == "leave")
        got = getattr(self.service, how)(Q, eid)
        assert (got is not None) == expected

    @rule()
    def offer_next(self):
        self.route()

    @rule()
    def offer_next_again(self):
        self.route()

    def route(self):
        expected = self.model_offer()
        got = self.service.offer_next(Q)
        if expected is None:
            assert got is None
            return
        eid, agent = expected
        assert got is not None
        assert (got.entry_id, got.agent_id) == (eid, agent)
        e, a = self.entries[eid], self.agents[agent]
        e.state, e.offered_to, e.deadline = EntryState.OFFERED, agent, self.now() + 20
        a.state, a.holding = AgentState.OFFERED, eid
        assert got.deadline == e.deadline

    def model_offer(self) -> tuple[str, str] | None:
        available = sorted(
            (a.idle, name) for name, a in self.agents.items() if a.state == AgentState.AVAILABLE
        )
        ready = [e for e in self.ordered() if e.state == EntryState.WAITING]
        if not available or not ready:
            return None
        staff = {n for n, a in self.agents.items() if a.state != AgentState.LOGGED_OUT}
        for e in ready:
            pick = next((n for _, n in available if n not in e.declined), None)
            if pick is None and not staff - set(e.declined):
                e.declined = []
                pick = available[0][1]
            if pick is not None:
                return e.eid, pick
        return None

    @rule(index=st.integers(0, 20), agent=st.sampled_from(AGENTS))
    def accept_any(self, index, agent):
        self.accept(self.pick(index), agent)

    def accept(self, eid, agent):
        e, a = self.entries.get(eid), self.agents[agent]
        if e is None or (e.state == EntryState.OFFERED and e.offered_to != agent):
            assert not self.service.accept(Q, eid, agent)
            return
        if e.state == EntryState.ACCEPTED:
            assert self.service.accept(Q, eid, agent) == (e.accepted_by == agent)
            return
        free = a.state == AgentState.AVAILABLE or (
            a.state == AgentState.OFFERED and a.holding == eid
        )
        if not free:
            with pytest.raises(Conflict):
                self.service.accept(Q, eid, agent)
            return
        assert self.service.accept(Q, eid, agent)
        e.state, e.accepted_by, e.offered_to, e.deadline = EntryState.ACCEPTED, agent, None, None
        a.state, a.holding = AgentState.BUSY, eid

    @rule(index=st.integers(0, 20), accept=st.booleans())
    def answer_an_offer(self, index, accept):
        """What agents mostly do: accept or decline the offer they were given."""
        offered = [e for e in self.ordered() if e.state == EntryState.OFFERED]
        if offered:
            e = offered[index % len(offered)]
            if accept:
                self.accept(e.eid, e.offered_to)
            else:
                self.decline(e.eid, e.offered_to)

    @rule(index=st.integers(0, 20), agent=st.sampled_from(AGENTS))
    def decline_any(self, index, agent):
        self.decline(self.pick(index), agent)

    def decline(self, eid, agent):
        e = self.entries.get(eid)
        expected = False
        if e is not None and e.state == EntryState.OFFERED and e.offered_to == agent:
            e.state, e.offered_to, e.deadline = EntryState.WAITING, None, None
            self.release(agent, idle_now=False)
            expected = True
        elif e is not None and e.state == EntryState.WAITING:
            expected = True
        if expected and agent not in e.declined:
            e.declined.append(agent)
        assert self.service.decline(Q, eid, agent) == expected

    @rule(index=st.integers(0, 20), wait_for_it=st.booleans())
    def offer_times_out(self, index, wait_for_it):
        offered = [e for e in self.ordered() if e.state == EntryState.OFFERED]
        if not offered:
            return
        e = offered[index % len(offered)]
        agent = e.offered_to
        if wait_for_it and self.clock.now() < e.deadline:
            self.clock.set(e.deadline)
        due = self.now() >= e.deadline
        assert self.service.offer_timed_out(Q, e.eid, agent) == due
        if due:
            e.state, e.offered_to, e.deadline = EntryState.WAITING, None, None
            if agent not in e.declined:
                e.declined.append(agent)
            self.release(agent, idle_now=True)

    @rule(index=st.integers(0, 20), agent=st.sampled_from(AGENTS), own=st.booleans())
    def complete(self, index, agent, own):
        eid = self.pick(index)
        e = self.entries.get(eid)
        if own and e is not None and e.accepted_by:
            agent = e.accepted_by
        done = self.service.complete(Q, eid, agent, 60.0)
        if e is None or e.state != EntryState.ACCEPTED or e.accepted_by != agent:
            assert done is None
            return
        assert done is not None and done.entry_id == eid
        del self.entries[eid]
        a = self.agents[agent]
        a.state, a.holding, a.wrap_until = AgentState.WRAP_UP, None, self.now() + 30

    @rule(agent=st.sampled_from(AGENTS), only_if_due=st.booleans())
    def end_wrap_up(self, agent, only_if_due):
        a = self.agents[agent]
        expected = a.state == AgentState.WRAP_UP and (
            not only_if_due or self.now() >= a.wrap_until
        )
        assert self.service.end_wrap_up(agent, only_if_due=only_if_due) == expected
        if expected:
            a.state, a.wrap_until, a.idle = AgentState.AVAILABLE, None, self.now()

    @rule(agent=st.sampled_from(AGENTS))
    def log_in_rule(self, agent):
        self.log_in(agent)

    def log_in(self, agent):
        a = self.agents[agent]
        if a.state in (AgentState.BUSY, AgentState.OFFERED):
            with pytest.raises(Conflict):
                self.service.set_agent_state(agent, AgentState.AVAILABLE, self.memberships)
            return
        self.service.set_agent_state(agent, AgentState.AVAILABLE, self.memberships)
        if a.state != AgentState.AVAILABLE:
            a.idle = self.now()
        a.state, a.wrap_until = AgentState.AVAILABLE, None

    @rule(agent=st.sampled_from(AGENTS))
    def log_out(self, agent):
        a = self.agents[agent]
        if a.state == AgentState.BUSY:
            with pytest.raises(Conflict):
                self.service.set_agent_state(agent, AgentState.LOGGED_OUT)
            return
        self.service.set_agent_state(agent, AgentState.LOGGED_OUT)
        if a.state == AgentState.OFFERED:
            e = self.entries[a.holding]
            e.state, e.offered_to, e.deadline = EntryState.WAITING, None, None
        a.state, a.holding, a.wrap_until = AgentState.LOGGED_OUT, None, None

    @rule(seconds=st.integers(0, 15))
    def tick(self, seconds):
        self.clock.advance(seconds)

    # Invariants

    @invariant()
    def queue_matches_the_model(self):
        expected = self.ordered()
        listed = self.service.entries(Q, limit=100)
        assert [e.entry_id for e in listed] == [e.eid for e in expected]
        assert self.service.size(Q) == len(expected)
        for position, e in enumerate(expected, 1):
            assert self.service.position(Q, e.eid) == position
        for e in self.entries.values():
            got = self.service.get(Q, e.eid)
            assert got is not None, f"entry {e.eid} lost"
            assert (got.state, got.kind, got.callback_number) == (e.state, e.kind, e.callback)
            assert (got.offered_to, got.accepted_by) == (e.offered_to, e.accepted_by)
            assert got.enqueued_at == e.enqueued_at
            if e.state != EntryState.ACCEPTED:
                assert list(got.declined_by) == e.declined

    @invariant()
    def agents_match_the_model(self):
        offers: dict[str, list[str]] = {}
        for e in self.entries.values():
            if e.state == EntryState.OFFERED:
                offers.setdefault(e.offered_to, []).append(e.eid)
        for name, a in self.agents.items():
            got = self.service.agent(name)
            assert got.state == a.state
            held = offers.get(name, [])
            assert len(held) <= 1, f"agent {name} holds offers {held}"
            if a.state == AgentState.OFFERED:
                assert held == [a.holding] == [got.entry_id]
            if a.state == AgentState.BUSY:
                assert got.entry_id == a.holding
                assert self.entries[a.holding].accepted_by == name
        available = sorted(
            (a.idle, name) for name, a in self.agents.items() if a.state == AgentState.AVAILABLE
        )
        assert self.service.available_agents(Q) == [name for _, name in available]


@pytest.mark.parametrize(
    "memberships", [[Q], [Q, "other"]], ids=["agents-of-one-queue", "agents-of-two-queues"]
)
def test_queue_engine_matches_the_model(redis_url: str, memberships: list[str]) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        run_state_machine_as_test(
            lambda: QueueMachine(client, memberships),
            settings=settings(
                max_examples=120,
                stateful_step_count=50,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        client.flushdb()
        client.close()
