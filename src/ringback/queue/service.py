"""QueueService: the ACD's wait queue, routing and agent presence over Redis.

Redis is the single source of truth.  Every change of a queue is one Lua
script on that queue's keys; the agent's side of it is one transition of the
agent's state machine on the agent's own key, right after (see ``scripts``
and ``presence``).  The service only decides which
scripts to run, in which order, and turns replies into values.  docs/queue.md
describes the whole engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ringback.clock import Clock
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.observability import recorder
from ringback.queue.entry_ids import is_entry_id, new_entry_id
from ringback.queue.estimate import HANDLE_WEIGHT, estimated_wait_seconds
from ringback.queue.live_states import LiveChange
from ringback.queue.models import (
    AgentPresence,
    AgentState,
    Entry,
    EntryKind,
    EntryState,
    Intent,
    NewEntry,
    Offer,
    QueueEvent,
    QueueFull,
    QueueSettings,
    check_e164,
    event_from_fields,
    kind_code,
)
from ringback.queue.presence import Presence
from ringback.queue.runner import Call, ScriptRunner, stamp
from ringback.redis_connection import text
from ringback.redis_keys import CONFIGURED_QUEUES, check_id, queue_keys

_DEFAULTS = QueueSettings()
# How often a join mints another id when the one it drew is taken (2**-60 per try).
_JOIN_TRIES = 3


class _IdTaken(RuntimeError):
    """JOIN found an entry under the id it was given; the join mints another."""


class QueueService:
    """Queues by id: join, position, estimate, convert, leave; routing; presence; events.

    Owns every key in ``QueueKeys`` and ``AgentKeys``, and ``CONFIGURED_QUEUES``.
    Routing scans at most ``scan_entries`` entries from the head and
    ``scan_agents`` agents, so each operation costs the same at 100 or 100,000
    waiting entries.
    """

    def __init__(
        self,
        redis: Any,
        clock: Clock,
        *,
        default_handle_seconds: float = 180.0,
        scan_entries: int = 32,
        scan_agents: int = 32,
        offer_attempts: int = 8,
    ) -> None:
        self._redis = redis
        self._clock = clock
        self._run = ScriptRunner(redis)
        self._presence = Presence(self._run, redis, clock)
        self._default_handle = float(default_handle_seconds)
        self._scan_entries = scan_entries
        self._scan_agents = scan_agents
        self._offer_attempts = offer_attempts

    def _now(self) -> str:
        return stamp(self._clock)

    def _q(self, script: str, queue_id: str, args: Sequence[object]) -> Call:
        return (script, queue_keys(queue_id).for_script(script), args)

    def _call(self, script: str, queue_id: str, args: Sequence[object]) -> Any:
        return self._run.call(*self._q(script, queue_id, args))

    def _live(self, script: str, queue_id: str, args: Sequence[object],
              left: EntryState | None = None) -> LiveChange:
        """Run one live-call transition script (``live_states``): its named reply."""
        return LiveChange.from_reply(queue_id, self._call(script, queue_id, args), left)

    # Settings

    def configure(self, queue_id: str, settings: QueueSettings) -> None:
        settings.validate()
        key = queue_keys(queue_id).rec
        fields = {
            "#max_size": settings.max_size,
            "#max_wait": settings.max_wait_seconds,
            "#offer_timeout": settings.offer_timeout_seconds,
            "#wrap_up": settings.wrap_up_seconds,
        }
        for intent, prio in dict(settings.priorities).items():
            fields[f"#p:{intent.value}"] = prio
        pipe = self._redis.pipeline(transaction=True)
        pipe.hdel(key, *(f"#p:{intent.value}" for intent in Intent))
        pipe.hset(key, mapping=fields)
        pipe.execute()
        # Outside the transaction: another slot on Redis Cluster.
        self._redis.sadd(CONFIGURED_QUEUES, queue_id)

    def configured(self) -> list[str]:
        """The ids of every queue whose settings were configured, sorted."""
        return sorted(text(q) for q in self._redis.smembers(CONFIGURED_QUEUES))

    def settings(self, queue_id: str) -> QueueSettings:
        names = ["#max_size", "#max_wait", "#offer_timeout", "#wrap_up"]
        names += [f"#p:{intent.value}" for intent in Intent]
        values = self._redis.hmget(queue_keys(queue_id).rec, names)
        h = {n: int(text(v)) for n, v in zip(names, values, strict=True) if v is not None}
        return QueueSettings(
            max_size=h.get("#max_size", _DEFAULTS.max_size),
            max_wait_seconds=h.get("#max_wait", _DEFAULTS.max_wait_seconds),
            offer_timeout_seconds=h.get("#offer_timeout", _DEFAULTS.offer_timeout_seconds),
            wrap_up_seconds=h.get("#wrap_up", _DEFAULTS.wrap_up_seconds),
            priorities={
                intent: h[f"#p:{intent.value}"] for intent in Intent if f"#p:{intent.value}" in h
            },
        )

    # Entries

    def _join_call(self, queue_id: str, entry: NewEntry, now: str) -> Call:
        entry.validate()
        callback = entry.kind == EntryKind.CALLBACK
        args = [
            now,
            kind_code(entry.kind),
            entry.call_sid,
            entry.caller,
            entry.callback_number if callback else "",
            entry.language,
            entry.intent.value,
            entry.dialled,
            "" if entry.priority is None else str(entry.priority),
            str(_DEFAULTS.max_size),
            new_entry_id(float(now)),
        ]
        return self._q("JOIN", queue_id, args)

    def _joined(self, queue_id: str, reply: Sequence[Any]) -> Entry:
        status = text(reply[0])
        if status == "full":
            raise QueueFull(queue_id, int(text(reply[1])))
        if status == "taken":
            raise _IdTaken(queue_id)
        return Entry.from_record(queue_id, text(reply[1]), reply[2])

    def join(self, queue_id: str, entry: NewEntry) -> Entry:
        """Queue a caller or callback; the same call sid or callback number joins once.

        The new entry's id is minted here (``entry_ids``), never counted in Redis.
        """
        for _ in range(_JOIN_TRIES - 1):
            try:
                return self._join_once(queue_id, entry)
            except _IdTaken:
                continue
        return self._join_once(queue_id, entry)

    def _join_once(self, queue_id: str, entry: NewEntry) -> Entry:
        reply = self._run.call(*self._join_call(queue_id, entry, self._now()))
        return self._joined(queue_id, reply)

    def join_many(self, queue_id: str, entries: Iterable[NewEntry], batch: int = 1000) -> int:
        """Join in pipelined batches (imports, benchmarks); returns how many joined.

        Raises QueueFull after the batch in which the queue filled up.
        """
        count = 0
        pending: list[Call] = []
        joining: list[NewEntry] = []
        now = self._now()

        def flush() -> None:
            nonlocal count
            for entry, reply in zip(joining, self._run.many(pending), strict=True):
                try:
                    self._joined(queue_id, reply)
                except _IdTaken:
                    self.join(queue_id, entry)
                count += 1
            pending.clear()
            joining.clear()

        for entry in entries:
            pending.append(self._join_call(queue_id, entry, now))
            joining.append(entry)
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
        return count

    def get(self, queue_id: str, entry_id: str) -> Entry | None:
        if not is_entry_id(entry_id):
            return None
        raw = self._redis.hget(queue_keys(queue_id).rec, entry_id)
        return Entry.from_record(queue_id, entry_id, raw) if raw else None

    def _indexed(self, queue_id: str, field: str) -> Entry | None:
        keys = queue_keys(queue_id)
        entry_id = self._redis.hget(keys.rec, field)
        return self.get(queue_id, text(entry_id)) if entry_id else None

    def entry_for_call(self, queue_id: str, call_sid: str) -> Entry | None:
        return self._indexed(queue_id, f"s:{call_sid}")

    def callback_for_number(self, queue_id: str, number: str) -> Entry | None:
        """The active callback (waiting, offered or with an agent) for ``number``."""
        return self._indexed(queue_id, f"c:{number}")

    def position(self, queue_id: str, entry_id: str) -> int | None:
        """1-based place among the entries waiting or being offered; None when not queued."""
        rank = self._redis.zrank(queue_keys(queue_id).wait, entry_id)
        return None if rank is None else int(rank) + 1

    def size(self, queue_id: str) -> int:
        return int(self._redis.zcard(queue_keys(queue_id).wait))

    def entries(self, queue_id: str, offset: int = 0, limit: int = 100) -> list[Entry]:
        """Entries waiting or being offered, in queue order."""
        if offset < 0 or not 0 < limit <= 1000:
            raise ValidationError({"limit": "must be 1-1000 with a non-negative offset"})
        reply = self._call("PAGE", queue_id, [offset, limit])
        return [
            Entry.from_record(queue_id, text(reply[i]), reply[i + 1])
            for i in range(0, len(reply), 2)
            if reply[i + 1]
        ]

    def average_handle_seconds(self, queue_id: str) -> float:
        raw = self._redis.hget(queue_keys(queue_id).rec, "#aht")
        return float(text(raw)) if raw else self._default_handle

    def estimated_wait(self, queue_id: str, entry_id: str) -> int | None:
        """Seconds until an agent is expected (see ``estimate``); None when not queued."""
        reply = self._call("ESTIMATE", queue_id, [entry_id])
        position, available, staffed = int(reply[0]), int(reply[1]), int(reply[2])
        if position == 0:
            return None
        aht = float(text(reply[3])) if text(reply[3]) else self._default_handle
        return estimated_wait_seconds(position, available, staffed, aht)

    def convert_to_callback(self, queue_id: str, entry_id: str, callback_number: str) -> Entry:
        """Turn a waiting caller into a callback that keeps the caller's place.

        When the queue already holds an active callback for that number, one
        entry survives: the one an agent already has, else the one further ahead.
        """
        check_e164("callback_number", callback_number)
        if not is_entry_id(entry_id):
            raise NotFound("queue entry", entry_id)
        reply = self._call("CONVERT", queue_id, [self._now(), entry_id, callback_number])
        status = text(reply[0])
        if status == "gone":
            raise NotFound("queue entry", entry_id)
        if status == "accepted":
            raise Conflict(f"entry {entry_id} is already with an agent")
        if status == "merged" and text(reply[3]):
            self._presence.release(text(reply[3]), queue_id, entry_id, "keep")
        return Entry.from_record(queue_id, text(reply[1]), reply[2])

    def leave(self, queue_id: str, entry_id: str) -> Entry | None:
        """The caller hung up while waiting: abandoned, with position and wait recorded.

        Only a live call is abandoned: None for a callback (its caller hung up on
        purpose), checked in the same script that drops the entry.
        """
        return self._drop(queue_id, entry_id, EntryState.ABANDONED, "caller_left", False,
                          EntryKind.LIVE)

    def expire(self, queue_id: str, entry_id: str, reason: str = "max_wait", *,
               kind: EntryKind | None = None) -> Entry | None:
        """The scheduler's deadline passed (max wait, callback expiry).

        With ``kind``, only an entry still of that kind expires (else None), checked
        in the same script: a live caller's max wait never drops the callback the
        caller asked for a moment ago.
        """
        return self._drop(queue_id, entry_id, EntryState.EXPIRED, reason, False, kind)

    def remove(self, queue_id: str, entry_id: str, reason: str = "removed") -> Entry | None:
        """Take an entry out in any state (admin); an agent holding it becomes available."""
        return self._drop(queue_id, entry_id, EntryState.REMOVED, reason, True)

    def _drop(
        self, queue_id: str, entry_id: str, state: EntryState, reason: str, accepted: bool,
        kind: EntryKind | None = None,
    ) -> Entry | None:
        if not is_entry_id(entry_id):
            return None
        args = [self._now(), entry_id, state.value, reason, "1" if accepted else "0",
                "" if kind is None else kind_code(kind)]
        change = self._live("DROP", queue_id, args, state)
        entry = change.entry
        if not change.ok or entry is None:
            return None
        if change.agent:
            held = entry.accepted_by is not None
            self._presence.release(change.agent, queue_id, entry_id, "now" if held else "keep")
        return entry

    # Routing

    def offer_next(self, queue_id: str) -> Offer | None:
        """Offer the head offerable entry to the longest-idle available agent who may take it."""
        offer = self._reserve_next(queue_id)
        if offer is not None:
            recorder().offer(queue_id, "made")
        return offer

    def _reserve_next(self, queue_id: str) -> Offer | None:
        for _ in range(self._offer_attempts):
            now = self._now()
            args = [now, _DEFAULTS.offer_timeout_seconds, self._scan_entries, self._scan_agents]
            change = self._live("RESERVE", queue_id, args)
            entry = change.entry
            if not change.ok or entry is None:
                return None
            entry_id = entry.entry_id
            agent_id, deadline = change.agent, entry.offer_deadline or 0.0
            claim = self._presence.claim(agent_id, queue_id, entry_id, f"{deadline:.3f}")
            if claim.ok:
                return Offer(queue_id, entry_id, agent_id, deadline, entry)
            # The agent was stale on this queue's list: the entry goes back.
            args = [now, entry_id, agent_id, f"agent_{claim.status}", "o"]
            self._call("WITHDRAW", queue_id, args)
        return None

    def accept(self, queue_id: str, entry_id: str, agent_id: str, offer: str = "") -> bool:
        """The agent takes the entry; of racing agents exactly one gets True.

        With ``offer`` (``OfferTag`` text: the agent answered its phone) only while
        the entry is still in that offer.  Raises Conflict when the agent cannot
        take a call now (busy, logged out, not a member of the queue).
        """
        check_id("agent_id", agent_id)
        if not is_entry_id(entry_id):
            return False
        now = self._now()
        status = self._live("ACCEPT", queue_id, [now, entry_id, agent_id, offer]).status
        if status == "already":
            return True
        if status != "ok":
            return False
        agent = self._presence.take(agent_id, queue_id, entry_id)
        if not agent.ok:
            args = [now, entry_id, agent_id, f"agent_{agent.status}", "a"]
            self._call("WITHDRAW", queue_id, args)
            raise Conflict(f"agent {agent_id} cannot take a call while {agent.status}")
        return _counted(queue_id, "accepted")

    def decline(self, queue_id: str, entry_id: str, agent_id: str) -> bool:
        """The agent passes: the entry keeps its place and goes to others first."""
        return self._give_back(queue_id, entry_id, agent_id, "decline")

    def offer_timed_out(self, queue_id: str, entry_id: str, agent_id: str) -> bool:
        """The offer's deadline passed unanswered: like a decline, and the agent goes to
        the end of the idle line.  A call before the deadline changes nothing."""
        return self._give_back(queue_id, entry_id, agent_id, "timeout")

    def miss(self, queue_id: str, entry_id: str, agent_id: str, detail: str,
             offer: str = "") -> bool:
        """The agent let the offer go unanswered (``detail`` says how): the entry goes
        back as on a timeout (when due) or a decline, and the agent is *missed*: not
        offered again until it says it is back.  False when it did not hold the offer
        (with ``offer``, ``OfferTag`` text: that offer)."""
        check_id("agent_id", agent_id)
        if not is_entry_id(entry_id):
            return False
        args = [self._now(), entry_id, agent_id, "miss", offer]
        if not self._live("DECLINE", queue_id, args).ok:
            return False
        self._presence.miss(agent_id, queue_id, entry_id, detail)
        return _counted(queue_id, "missed")

    def _give_back(self, queue_id: str, entry_id: str, agent_id: str, mode: str) -> bool:
        check_id("agent_id", agent_id)
        if not is_entry_id(entry_id):
            return False
        change = self._live("DECLINE", queue_id, [self._now(), entry_id, agent_id, mode, ""])
        if not change.ok:
            return False
        if change.agent:
            self._presence.release(agent_id, queue_id, entry_id, mode)
        return _counted(queue_id, "declined" if mode == "decline" else "missed")

    def complete(
        self, queue_id: str, entry_id: str, agent_id: str, handle_seconds: float
    ) -> Entry | None:
        """The agent finished the call: the entry leaves, the agent goes to wrap-up
        (until now + the queue's wrap-up seconds; at once available when that is 0).

        Returns the completed entry, or None when that agent did not hold it.
        """
        check_id("agent_id", agent_id)
        if not isinstance(handle_seconds, int | float) or handle_seconds < 0:
            raise ValidationError({"handle_seconds": "must be a non-negative number"})
        if not is_entry_id(entry_id):
            return None
        args = [
            self._now(),
            entry_id,
            agent_id,
            f"{float(handle_seconds):.3f}",
            _DEFAULTS.wrap_up_seconds,
            HANDLE_WEIGHT,
        ]
        change = self._live("COMPLETE", queue_id, args, EntryState.COMPLETED)
        if not change.ok:
            return None
        self._presence.done(agent_id, queue_id, entry_id, change.wrap_up or 0)
        return change.entry

    def ring(self, queue_id: str, entry_id: str, offer: str) -> LiveChange:
        """A live caller's agent is being rung in ``offer`` (``OfferTag`` text):
        offered -> connecting; refused when rung already or the offer is over."""
        if not is_entry_id(entry_id):
            return LiveChange("gone")
        return self._live("RING", queue_id, [entry_id, offer])

    def requeue(self, queue_id: str, entry_id: str, offer: str) -> LiveChange:
        """The rung ``offer`` is over for the caller: back_in_queue -> joined, or
        connecting -> offered when ringing failed; refused once another offer rang."""
        if not is_entry_id(entry_id):
            return LiveChange("gone")
        return self._live("REQUEUE", queue_id, [entry_id, offer])

    def end_wrap_up(self, agent_id: str, *, only_if_due: bool = False) -> bool:
        """Wrap-up over: the agent is available again, idle from now.

        The scheduler passes ``only_if_due`` so that a late job never cuts a later
        wrap-up short."""
        return self._presence.end_wrap_up(agent_id, only_if_due)

    # Presence

    def set_agent_state(
        self, agent_id: str, state: AgentState, queues: Sequence[str] | None = None
    ) -> AgentPresence:
        """The agent's own switch: available, away or logged out, optionally replacing
        its queues (one atomic step).

        Offered, busy, wrap-up and missed come from routing; going away or logging
        out drops a pending offer (the entry keeps its place) and is refused during
        a call.
        """
        return self._presence.set_state(agent_id, state, queues)

    def remove_agent(self, agent_id: str) -> AgentPresence:
        """The agent is removed for good: logged out of every queue (a pending offer's
        entry keeps its place), a member of none.  Conflict during a call."""
        self._presence.remove(agent_id)
        return self._presence.get(agent_id)

    def agent(self, agent_id: str) -> AgentPresence:
        return self._presence.get(check_id("agent_id", agent_id))

    def agents(self, agent_ids: Iterable[str]) -> dict[str, AgentPresence]:
        """The presence of every named agent, in one round trip whatever their number."""
        return self._presence.get_many(agent_ids)

    def held(self, presences: Iterable[AgentPresence]) -> dict[str, tuple[Entry, int | None]]:
        """The entry each offered or busy agent holds, with its position (None once
        accepted), by agent id: one round trip for any number of agents."""
        holding = [p for p in presences if p.queue_id and p.entry_id]
        if not holding:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for p in holding:
            keys = queue_keys(p.queue_id or "")
            pipe.hget(keys.entries, p.entry_id or "")
            pipe.zrank(keys.wait, p.entry_id or "")
        replies = pipe.execute()
        found: dict[str, tuple[Entry, int | None]] = {}
        for i, p in enumerate(holding):
            raw, rank = replies[2 * i], replies[2 * i + 1]
            if raw:
                entry = Entry.from_record(p.queue_id or "", p.entry_id or "", raw)
                found[p.agent_id] = (entry, None if rank is None else int(rank) + 1)
        return found

    def available_agents(self, queue_id: str) -> list[str]:
        """The queue's available agents, longest idle first (may briefly list stale ones)."""
        return [text(a) for a in self._redis.zrange(queue_keys(queue_id).available, 0, -1)]

    # Events

    def events(
        self, queue_id: str, after_id: str | None = None, count: int = 100
    ) -> list[QueueEvent]:
        """Events after ``after_id`` (exclusive), oldest first."""
        start = f"({after_id}" if after_id else "-"
        rows = self._redis.xrange(queue_keys(queue_id).events, min=start, max="+", count=count)
        return [
            event_from_fields(text(eid), {text(k): text(v) for k, v in fields.items()})
            for eid, fields in rows
        ]


def _counted(queue_id: str, outcome: str) -> bool:
    """Count an offer's outcome (``ringback_offers``); True, what the caller returns."""
    recorder().offer(queue_id, outcome)
    return True
