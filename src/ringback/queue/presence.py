"""Agent presence: one state machine per agent, on the agent's own key.

The states are ``AgentState``; each allowed transition is one script of
``agent_scripts`` (a compare-and-set on ``AgentKeys.presence``), and this
module is the one place that runs them.  The agent's key holds its state and
its member queues together, so changing queues is one atomic step and an
agent never holds two offers or two calls however many queues route at once.

Each member queue keeps a mirror of the agent (``available`` zset, ``staff``
set) that routing reads; mirror updates (``SYNC_AGENT``) carry the presence
version, so an older one never overwrites a newer, whatever order two
processes' updates arrive in.  A mirror may briefly list an agent who is no
longer available: routing's claim is then refused and the stale member
dropped.  docs/routing.md has the transition table and why it is built so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ringback.clock import Clock
from ringback.errors import Conflict, ValidationError
from ringback.queue.models import (
    SETTABLE_AGENT_STATES,
    AgentPresence,
    AgentState,
    MissedOffer,
)
from ringback.queue.runner import Call, ScriptRunner, stamp
from ringback.redis_connection import text
from ringback.redis_keys import AgentKeys, check_id, queue_keys


def split_queues(value: str) -> tuple[str, ...]:
    return tuple(q for q in value.split(",") if q)


def _opt(value: str | None) -> float | None:
    return float(value) if value else None


@dataclass(frozen=True)
class AgentChange:
    """The reply of one transition script (``agent_scripts``), by name.

    ``status`` is ``ok`` or why the transition was refused (the refusing state,
    ``not_member``, ``not_due``); ``queue``/``entry`` name the offer or call held
    (for a log-out, the offer it dropped).
    """

    status: str
    state: AgentState
    version: int = 0
    previous: AgentState | None = None
    idle_since: str = ""
    queues: tuple[str, ...] = ()
    old_queues: tuple[str, ...] = ()
    queue_id: str = ""
    entry_id: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def from_reply(cls, raw: Any) -> AgentChange:
        r = json.loads(raw)
        return cls(
            status=r["status"],
            state=AgentState(r["state"]),
            version=int(r.get("version", 0)),
            previous=AgentState(r["previous"]) if r.get("previous") else None,
            idle_since=r.get("idle", ""),
            queues=split_queues(r.get("queues", "")),
            old_queues=split_queues(r.get("old_queues", "")),
            queue_id=r.get("queue", ""),
            entry_id=r.get("entry", ""),
        )


def presence_of(agent_id: str, raw: dict[Any, Any]) -> AgentPresence:
    """An agent's presence from its hash (``HGETALL AgentKeys.presence``)."""
    h = {text(k): text(v) for k, v in raw.items()}
    state = AgentState(h.get("s") or AgentState.LOGGED_OUT.value)
    holding = state in (AgentState.OFFERED, AgentState.BUSY)
    since = _opt(h.get("t")) if state in (AgentState.AWAY, AgentState.MISSED) else None
    missed = None
    if state is AgentState.MISSED:
        missed = MissedOffer(h.get("mq", ""), h.get("me", ""), h.get("mr", ""), since or 0.0)
    return AgentPresence(
        agent_id=agent_id,
        state=state,
        queues=split_queues(h.get("q", "")),
        idle_since=_opt(h.get("i")) if state == AgentState.AVAILABLE else None,
        queue_id=h.get("cq") or None if holding else None,
        entry_id=h.get("ce") or None if holding else None,
        offer_deadline=_opt(h.get("d")) if state == AgentState.OFFERED else None,
        wrap_up_until=_opt(h.get("w")) if state == AgentState.WRAP_UP else None,
        away_since=since,
        missed=missed,
    )


class Presence:
    """Runs the agent transitions and keeps the queues' mirrors in step."""

    def __init__(self, runner: ScriptRunner, client: Any, clock: Clock) -> None:
        self._run = runner
        self._client = client
        self._clock = clock

    def _transition(self, script: str, agent_id: str, args: Sequence[object]) -> AgentChange:
        reply = self._run.call(script, [AgentKeys(agent_id).presence], args)
        return AgentChange.from_reply(reply)

    def get(self, agent_id: str) -> AgentPresence:
        return presence_of(agent_id, self._client.hgetall(AgentKeys(agent_id).presence))

    def get_many(self, agent_ids: Iterable[str]) -> dict[str, AgentPresence]:
        """Every named agent's presence in one round trip (the live board)."""
        ids = [check_id("agent_id", a) for a in agent_ids]
        if not ids:
            return {}
        pipe = self._client.pipeline(transaction=False)
        for agent_id in ids:
            pipe.hgetall(AgentKeys(agent_id).presence)
        return {a: presence_of(a, raw) for a, raw in zip(ids, pipe.execute(), strict=True)}

    def set_state(
        self, agent_id: str, state: AgentState, queues: Sequence[str] | None
    ) -> AgentPresence:
        """The agent's own switch: available, away or logged out, optionally replacing
        the member queues, in one step; a dropped offer's entry goes back to its
        place.  Conflict in a call, or when asked to be available while offered."""
        check_id("agent_id", agent_id)
        if state not in SETTABLE_AGENT_STATES:
            raise ValidationError({"state": "must be one of available, away, logged_out"})
        new = () if queues is None else tuple(dict.fromkeys(check_id("queues", q) for q in queues))
        self._set(agent_id, state, new, queues is not None)
        return self.get(agent_id)

    def remove(self, agent_id: str) -> AgentChange:
        """The agent leaves for good: logged out of every queue, member of none."""
        return self._set(check_id("agent_id", agent_id), AgentState.LOGGED_OUT, (), True)

    def _set(
        self, agent_id: str, state: AgentState, queues: tuple[str, ...], replace: bool
    ) -> AgentChange:
        args = [state.value, ",".join(queues), "1" if replace else "0", stamp(self._clock)]
        change = self._transition("AGENT_SET", agent_id, args)
        if not change.ok:
            raise Conflict(f"agent {agent_id} is {change.status}; finish that first")
        calls: list[Call] = []
        if change.previous is AgentState.OFFERED and change.entry_id:
            args = [stamp(self._clock), change.entry_id, agent_id, "agent_logged_out", "o"]
            keys = queue_keys(change.queue_id).for_script("WITHDRAW")
            calls.append(("WITHDRAW", keys, args))
        self._run.many(calls + self._mirror_calls(agent_id, change, change.old_queues
                                                  + change.queues))
        return change

    def end_wrap_up(self, agent_id: str, only_if_due: bool) -> bool:
        check_id("agent_id", agent_id)
        args = [stamp(self._clock), "1" if only_if_due else "0"]
        change = self._transition("AGENT_END_WRAP", agent_id, args)
        if change.ok:
            self.mirror(agent_id, change, change.queues)
        return change.ok

    # The agent's side of routing: each runs after the queue script it belongs to.

    def claim(self, agent_id: str, queue_id: str, entry_id: str, deadline: str) -> AgentChange:
        """available -> offered; the other member queues stop listing the agent."""
        change = self._transition("AGENT_CLAIM", agent_id, [queue_id, entry_id, deadline])
        if change.ok:
            self.mirror(agent_id, change, [q for q in change.queues if q != queue_id])
        return change

    def miss(self, agent_id: str, queue_id: str, entry_id: str, detail: str) -> AgentChange:
        """offered this entry -> missed: off every member queue until back."""
        args = [queue_id, entry_id, stamp(self._clock), detail]
        change = self._transition("AGENT_MISS", agent_id, args)
        if change.ok:
            self.mirror(agent_id, change, change.queues)
        return change

    def take(self, agent_id: str, queue_id: str, entry_id: str) -> AgentChange:
        """available or offered this entry -> busy with it."""
        change = self._transition("AGENT_TAKE", agent_id, [queue_id, entry_id])
        if change.ok and change.previous is AgentState.AVAILABLE:
            self.mirror(agent_id, change, [q for q in change.queues if q != queue_id])
        return change

    def release(self, agent_id: str, queue_id: str, entry_id: str, mode: str) -> AgentChange:
        """Offer or call over: back to available, listed again in every member queue.

        ``mode``: keep (idle time kept), now (idle from now), decline, timeout.
        """
        args = [queue_id, entry_id, stamp(self._clock), mode]
        change = self._transition("AGENT_RELEASE", agent_id, args)
        if change.ok:
            self.mirror(agent_id, change, change.queues)
        return change

    def done(self, agent_id: str, queue_id: str, entry_id: str, wrap_seconds: int) -> AgentChange:
        """Call completed: wrap-up, or available (and listed again) without one."""
        args = [queue_id, entry_id, stamp(self._clock), str(wrap_seconds)]
        change = self._transition("AGENT_DONE", agent_id, args)
        if change.ok and change.state == AgentState.AVAILABLE:
            self.mirror(agent_id, change, change.queues)
        return change

    def mirror(self, agent_id: str, change: AgentChange, queues: Iterable[str]) -> None:
        """Copy the agent's presence into ``queues`` (one round trip for all)."""
        calls = self._mirror_calls(agent_id, change, queues)
        if calls:
            self._run.many(calls)

    @staticmethod
    def _mirror_calls(agent_id: str, change: AgentChange, queues: Iterable[str]) -> list[Call]:
        members = set(change.queues)
        return [
            (
                "SYNC_AGENT",
                queue_keys(queue_id).for_script("SYNC_AGENT"),
                [
                    agent_id,
                    str(change.version),
                    change.state.value,
                    change.idle_since or "0",
                    "1" if queue_id in members else "0",
                ],
            )
            for queue_id in dict.fromkeys(queues)
        ]
