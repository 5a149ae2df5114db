"""Agent presence: one hash per agent under its own hash tag, mirrored into queues.

An agent's state (logged out, available, offered, busy, wrap-up) changes only
through compare-and-set scripts on the agent's key, so an agent never holds
two offers or two calls even when several queues route at once.  Each queue
keeps a mirror (its ``available`` zset and ``staff`` set); mirror updates carry
the agent's presence version, and an older update never overwrites a newer.
The mirror may list an agent who is no longer available: routing then finds
the compare-and-set refused and drops the stale member.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ringback.queue.keys import AgentKeys, queue_keys
from ringback.queue.models import AgentPresence, AgentState
from ringback.queue.runner import Call, ScriptRunner, text


def split_queues(value: str) -> tuple[str, ...]:
    return tuple(q for q in value.split(",") if q)


@dataclass(frozen=True)
class AgentChange:
    """The outcome of one agent script: ``ok`` or the state that refused it."""

    ok: bool
    status: str
    version: int = 0
    state: AgentState | None = None
    idle_since: str = ""
    queues: tuple[str, ...] = ()


def _refused(reply: Sequence[Any]) -> AgentChange:
    return AgentChange(False, text(reply[1]) if len(reply) > 1 else text(reply[0]))


class Presence:
    """Agent-side scripts and the versioned mirror into each member queue.

    Keys: ``AgentKeys.presence`` of each agent; in queues it writes
    ``available``, ``staff`` and ``versions`` (through SYNC_AGENT).
    """

    def __init__(self, runner: ScriptRunner, client: Any) -> None:
        self._run = runner
        self._client = client

    def get(self, agent_id: str) -> AgentPresence:
        raw = self._client.hgetall(AgentKeys(agent_id).presence)
        h = {text(k): text(v) for k, v in raw.items()}
        state = AgentState(h.get("s", AgentState.LOGGED_OUT.value))
        holding = state in (AgentState.OFFERED, AgentState.BUSY)
        return AgentPresence(
            agent_id=agent_id,
            state=state,
            queues=split_queues(h.get("q", "")),
            idle_since=float(h["i"]) if state == AgentState.AVAILABLE and h.get("i") else None,
            queue_id=h.get("cq") or None if holding else None,
            entry_id=h.get("ce") or None if holding else None,
            offer_deadline=float(h["d"]) if state == AgentState.OFFERED and h.get("d") else None,
            wrap_up_until=float(h["w"]) if state == AgentState.WRAP_UP and h.get("w") else None,
            version=int(h.get("v", 0)),
        )

    # Calls, built separately so a service can send them in one round trip with a
    # queue script.

    def set_call(self, agent_id: str, state: AgentState, queues: str | None, now: str) -> Call:
        args = [state.value, queues or "", "1" if queues is not None else "0", now]
        return ("AGENT_SET", [AgentKeys(agent_id).presence], args)

    def claim_call(self, agent_id: str, queue_id: str, entry_id: str, deadline: str) -> Call:
        return ("AGENT_CLAIM", [AgentKeys(agent_id).presence], [queue_id, entry_id, deadline])

    def take_call(self, agent_id: str, queue_id: str, entry_id: str) -> Call:
        return ("AGENT_TAKE", [AgentKeys(agent_id).presence], [queue_id, entry_id])

    def release_call(
        self, agent_id: str, queue_id: str, entry_id: str, now: str, mode: str
    ) -> Call:
        return ("AGENT_RELEASE", [AgentKeys(agent_id).presence], [queue_id, entry_id, now, mode])

    def done_call(
        self, agent_id: str, queue_id: str, entry_id: str, now: str, wrap_seconds: int
    ) -> Call:
        keys = [AgentKeys(agent_id).presence]
        return ("AGENT_DONE", keys, [queue_id, entry_id, now, str(wrap_seconds)])

    def end_wrap_call(self, agent_id: str, now: str, only_if_due: bool) -> Call:
        args = [now, "1" if only_if_due else "0"]
        return ("AGENT_END_WRAP", [AgentKeys(agent_id).presence], args)

    # Parsers of the replies of those calls.

    @staticmethod
    def parsed_claim(reply: Sequence[Any]) -> AgentChange:
        if text(reply[0]) != "ok":
            return _refused(reply)
        return AgentChange(
            True, "ok", int(text(reply[1])), AgentState.OFFERED, "", split_queues(text(reply[2]))
        )

    @staticmethod
    def parsed_take(reply: Sequence[Any]) -> AgentChange:
        if text(reply[0]) != "ok":
            return _refused(reply)
        queues = split_queues(text(reply[3]))
        return AgentChange(True, text(reply[2]), int(text(reply[1])), AgentState.BUSY, "", queues)

    @staticmethod
    def parsed_release(reply: Sequence[Any]) -> AgentChange:
        """Parse AGENT_RELEASE or AGENT_END_WRAP: both end with the agent available."""
        if text(reply[0]) != "ok":
            return _refused(reply)
        return AgentChange(
            True,
            "ok",
            int(text(reply[1])),
            AgentState.AVAILABLE,
            text(reply[2]),
            split_queues(text(reply[3])),
        )

    @staticmethod
    def parsed_done(reply: Sequence[Any]) -> AgentChange:
        if text(reply[0]) != "ok":
            return _refused(reply)
        return AgentChange(
            True,
            "ok",
            int(text(reply[1])),
            AgentState(text(reply[2])),
            text(reply[3]),
            split_queues(text(reply[4])),
        )

    def run(self, call: Call) -> Any:
        return self._run.call(*call)

    def mirror(
        self,
        agent_id: str,
        change: AgentChange,
        queues: Iterable[str],
        members: Iterable[str] | None = None,
    ) -> None:
        """Copy the agent's new presence into ``queues`` (one round trip for all)."""
        member_set = set(change.queues if members is None else members)
        calls: list[Call] = []
        for queue_id in dict.fromkeys(queues):
            args = [
                agent_id,
                str(change.version),
                (change.state or AgentState.LOGGED_OUT).value,
                change.idle_since or "0",
                "1" if queue_id in member_set else "0",
            ]
            calls.append(("SYNC_AGENT", queue_keys(queue_id).for_script("SYNC_AGENT"), args))
        if calls:
            self._run.many(calls)
