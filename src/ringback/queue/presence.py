"""Agent presence: logged out, available, offered, busy, wrap-up.

An agent in exactly one queue is *local* to it: its presence is a field of
that queue's ``rec`` hash, so routing changes entry and agent in one script.
An agent in several queues is *roaming*: its presence lives under its own hash
tag and changes only through compare-and-set scripts (``agent_scripts``), so it
never holds two offers or two calls however many queues route at once; each
member queue keeps a mirror (``available`` zset, ``staff`` set) whose updates
carry the agent's presence version, an older one never overwriting a newer.
A mirror may list a roaming agent who is no longer available: routing then
finds the compare-and-set refused and drops the stale member.

``AgentKeys.presence`` holds every agent's member queues and, for a local
agent, its ``home`` queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ringback.clock import Clock
from ringback.errors import Conflict, ValidationError
from ringback.queue.keys import AgentKeys, check_id, queue_keys
from ringback.queue.models import AgentPresence, AgentState
from ringback.queue.runner import Call, ScriptRunner, text


def split_queues(value: str) -> tuple[str, ...]:
    return tuple(q for q in value.split(",") if q)


def _opt(value: str | None) -> float | None:
    return float(value) if value else None


@dataclass(frozen=True)
class AgentChange:
    """The outcome of one roaming-agent script: ``ok`` or the state that refused it."""

    ok: bool
    status: str
    version: int = 0
    state: AgentState | None = None
    idle_since: str = ""
    queues: tuple[str, ...] = ()


def _refused(reply: Sequence[Any]) -> AgentChange:
    return AgentChange(False, text(reply[1]) if len(reply) > 1 else text(reply[0]))


class Presence:
    """Reads and changes agent presence, local or roaming."""

    def __init__(self, runner: ScriptRunner, client: Any, clock: Clock) -> None:
        self._run = runner
        self._client = client
        self._clock = clock

    def _now(self) -> str:
        return f"{self._clock.now():.3f}"

    def _membership(self, agent_id: str) -> tuple[tuple[str, ...], str | None]:
        queues, home = self._client.hmget(AgentKeys(agent_id).presence, "q", "home")
        return split_queues(text(queues) if queues else ""), (text(home) if home else None)

    def get(self, agent_id: str) -> AgentPresence:
        raw = self._client.hgetall(AgentKeys(agent_id).presence)
        h = {text(k): text(v) for k, v in raw.items()}
        queues = split_queues(h.get("q", ""))
        home = h.get("home")
        if home:
            record = self._client.hget(queue_keys(home).rec, f"@{agent_id}")
            h = json.loads(record) if record else {}
            h["cq"] = home
        state = AgentState(h.get("s", AgentState.LOGGED_OUT.value))
        holding = state in (AgentState.OFFERED, AgentState.BUSY)
        return AgentPresence(
            agent_id=agent_id,
            state=state,
            queues=queues,
            idle_since=_opt(h.get("i")) if state == AgentState.AVAILABLE else None,
            queue_id=h.get("cq") or None if holding else None,
            entry_id=h.get("ce") or None if holding else None,
            offer_deadline=_opt(h.get("d")) if state == AgentState.OFFERED else None,
            wrap_up_until=_opt(h.get("w")) if state == AgentState.WRAP_UP else None,
        )

    def set_state(
        self, agent_id: str, state: AgentState, queues: Sequence[str] | None
    ) -> AgentPresence:
        """Log in (available) or out, optionally replacing the member queues.

        Changing queues logs the agent out of the old ones first, which is refused
        while it holds a call; a new home starts a new idle time.
        """
        check_id("agent_id", agent_id)
        if state not in (AgentState.AVAILABLE, AgentState.LOGGED_OUT):
            raise ValidationError({"state": "must be available or logged_out"})
        old, old_home = self._membership(agent_id)
        new = old if queues is None else tuple(dict.fromkeys(check_id("queues", q) for q in queues))
        new_home = new[0] if len(new) == 1 else None
        if set(new) == set(old) and new_home == old_home:
            self._enter(agent_id, state, new, new_home)
        else:
            self._enter(agent_id, AgentState.LOGGED_OUT, old, old_home)
            self._client.hset(
                AgentKeys(agent_id).presence, mapping={"q": ",".join(new), "home": new_home or ""}
            )
            self._enter(agent_id, state, new, new_home)
        return self.get(agent_id)

    def _enter(
        self, agent_id: str, state: AgentState, queues: tuple[str, ...], home: str | None
    ) -> None:
        if home:
            reply = self._run.call(
                "AGENT_HERE",
                queue_keys(home).for_script("AGENT_HERE"),
                [agent_id, state.value, self._now()],
            )
            if text(reply[0]) != "ok":
                raise Conflict(f"agent {agent_id} is {text(reply[1])}; finish that first")
        elif queues:
            self._roam(agent_id, state, queues)

    def _roam(self, agent_id: str, state: AgentState, queues: tuple[str, ...]) -> None:
        csv = ",".join(queues)
        args = [state.value, csv, "1", self._now()]
        reply = self._run.call("AGENT_SET", [AgentKeys(agent_id).presence], args)
        if text(reply[0]) != "ok":
            raise Conflict(f"agent {agent_id} is {text(reply[1])}; finish that first")
        version, previous, idle = int(text(reply[1])), text(reply[2]), text(reply[3])
        old = split_queues(text(reply[4]))
        if previous == AgentState.OFFERED.value and text(reply[6]):
            args = [self._now(), text(reply[7]), agent_id, "agent_logged_out", "o"]
            self._run.call("WITHDRAW", queue_keys(text(reply[6])).for_script("WITHDRAW"), args)
        change = AgentChange(True, "ok", version, state, idle, queues)
        self.mirror(agent_id, change, old + queues)

    def end_wrap_up(self, agent_id: str, only_if_due: bool) -> bool:
        check_id("agent_id", agent_id)
        _, home = self._membership(agent_id)
        due = "1" if only_if_due else "0"
        if home:
            args = [agent_id, self._now(), due]
            reply = self._run.call("END_WRAP", queue_keys(home).for_script("END_WRAP"), args)
            return text(reply[0]) == "ok"
        reply = self._run.call("AGENT_END_WRAP", [AgentKeys(agent_id).presence], [self._now(), due])
        change = self.parsed_release(reply)
        if change.ok:
            self.mirror(agent_id, change, change.queues)
        return change.ok

    # Roaming agents: the compare-and-set step after a queue script.

    def claim(self, agent_id: str, queue_id: str, entry_id: str, deadline: str) -> AgentChange:
        args = [queue_id, entry_id, deadline]
        reply = self._run.call("AGENT_CLAIM", [AgentKeys(agent_id).presence], args)
        if text(reply[0]) != "ok":
            return _refused(reply)
        return AgentChange(
            True, "ok", int(text(reply[1])), AgentState.OFFERED, "", split_queues(text(reply[2]))
        )

    def take(self, agent_id: str, queue_id: str, entry_id: str) -> AgentChange:
        reply = self._run.call("AGENT_TAKE", [AgentKeys(agent_id).presence], [queue_id, entry_id])
        if text(reply[0]) != "ok":
            return _refused(reply)
        queues = split_queues(text(reply[3]))
        return AgentChange(True, text(reply[2]), int(text(reply[1])), AgentState.BUSY, "", queues)

    def release(self, agent_id: str, queue_id: str, entry_id: str, mode: str) -> AgentChange:
        """Offer or call over: back to available, listed again in every member queue.

        ``mode``: keep (idle time kept), now (idle from now), decline, timeout.
        """
        args = [queue_id, entry_id, self._now(), mode]
        change = self.parsed_release(
            self._run.call("AGENT_RELEASE", [AgentKeys(agent_id).presence], args)
        )
        if change.ok:
            self.mirror(agent_id, change, change.queues)
        return change

    def done(self, agent_id: str, queue_id: str, entry_id: str, wrap_seconds: int) -> AgentChange:
        """Call completed: wrap-up, or available (and listed again) without one."""
        args = [queue_id, entry_id, self._now(), str(wrap_seconds)]
        reply = self._run.call("AGENT_DONE", [AgentKeys(agent_id).presence], args)
        if text(reply[0]) != "ok":
            return _refused(reply)
        change = AgentChange(
            True,
            "ok",
            int(text(reply[1])),
            AgentState(text(reply[2])),
            text(reply[3]),
            split_queues(text(reply[4])),
        )
        if change.state == AgentState.AVAILABLE:
            self.mirror(agent_id, change, change.queues)
        return change

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

    def mirror(
        self,
        agent_id: str,
        change: AgentChange,
        queues: Iterable[str],
        members: Iterable[str] | None = None,
    ) -> None:
        """Copy a roaming agent's presence into ``queues`` (one round trip for all)."""
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
