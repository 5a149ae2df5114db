"""A live call's state machine: its states, its transitions and their named replies.

The state is stored with the queue entry, in its record in the queue's ``rec``
hash: the entry's own state (waiting, offered, accepted; gone when it left)
and ``rg``, the offer whose agent was rung.  Each transition is one queue
script (``scripts``) that checks the from-state itself and answers a JSON
object with named fields, parsed here into ``LiveChange``; ``QueueService``
runs them and ``TRANSITIONS`` lists them (docs/routing.md shows the same table).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ringback.queue.models import Entry, EntryState


class LiveCallState(str, Enum):
    """Where a live caller is on its way to an agent."""

    JOINED = "joined"  # waiting in <Enqueue>, no agent rung since it last held
    OFFERED = "offered"  # offered to an agent, not rung yet (a softphone waits for accept)
    CONNECTING = "connecting"  # the caller is in the <Dial> of this offer's agent
    CONNECTED = "connected"  # the agent answered: accepted, talking
    # Waiting again after its rung agent missed the offer: the caller holds again (Dial
    # action) or is being moved back (job requeue_caller: then joined).
    BACK_IN_QUEUE = "back_in_queue"
    DONE = "done"  # the entry left: completed, abandoned, expired or removed

    @classmethod
    def of(cls, entry: Entry | None) -> LiveCallState:
        """The state of a stored entry (the scripts' ``live`` helper, in Python)."""
        if entry is None:
            return cls.DONE
        if entry.state is EntryState.ACCEPTED:
            return cls.CONNECTED
        if entry.state is EntryState.OFFERED:
            rung = entry.rung is not None and entry.rung == offer_text(entry)
            return cls.CONNECTING if rung else cls.OFFERED
        if entry.state is EntryState.WAITING:
            return cls.BACK_IN_QUEUE if entry.rung else cls.JOINED
        return cls.DONE


def offer_text(entry: Entry) -> str | None:
    """The entry's current offer as ``<agent>@<deadline ms>`` (``OfferTag`` text)."""
    if entry.state is not EntryState.OFFERED or not entry.offered_to:
        return None
    return f"{entry.offered_to}@{round((entry.offer_deadline or 0.0) * 1000)}"


S = LiveCallState
# from states | event | to | script: the transitions the scripts allow (docs/routing.md).
TRANSITIONS: tuple[tuple[tuple[LiveCallState, ...], str, LiveCallState, str], ...] = (
    ((S.JOINED, S.BACK_IN_QUEUE), "an agent is free (route)", S.OFFERED, "RESERVE"),
    ((S.OFFERED,), "job ring_agent", S.CONNECTING, "RING"),
    ((S.OFFERED, S.CONNECTING), "the agent answers (whisper)", S.CONNECTED, "ACCEPT"),
    ((S.JOINED,), "an agent's Call (console, API)", S.CONNECTED, "ACCEPT"),
    ((S.CONNECTING,), "not answered, offer timeout (miss)", S.BACK_IN_QUEUE, "DECLINE"),
    ((S.OFFERED,), "reject, offer timeout", S.JOINED, "DECLINE"),
    ((S.OFFERED,), "the agent goes away, logs out (or its key refused)", S.JOINED,
     "WITHDRAW"),
    ((S.CONNECTING,), "the agent goes away, logs out", S.BACK_IN_QUEUE, "WITHDRAW"),
    ((S.CONNECTING,), "ringing the agent failed", S.OFFERED, "REQUEUE"),
    ((S.BACK_IN_QUEUE,), "job requeue_caller", S.JOINED, "REQUEUE"),
    ((S.CONNECTED,), "the call ends (Dial action, leg status)", S.DONE, "COMPLETE"),
    ((S.JOINED, S.OFFERED, S.CONNECTING, S.BACK_IN_QUEUE), "the caller hangs up, max wait",
     S.DONE, "DROP"),
)


@dataclass(frozen=True)
class LiveChange:
    """The reply of one live-call transition script, by name.

    ``status`` is ``ok`` or why it was refused (``gone``, ``offer``: no longer in
    that offer, ``state``, ...); ``previous`` and ``state`` are the live states
    before and after; ``entry`` the entry's record (before it left, for ``done``);
    ``agent`` the agent whose side the caller changes next ('' for none);
    ``wrap_up`` the seconds of wrap-up after ``COMPLETE``.
    """

    status: str
    state: LiveCallState | None = None
    previous: LiveCallState | None = None
    agent: str = ""
    wrap_up: int | None = None
    # The record as the script answered it; ``entry`` decodes it when asked for.
    queue_id: str = ""
    entry_id: str = ""
    record: Mapping[str, Any] | None = field(default=None, repr=False)
    left: EntryState | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def entry(self) -> Entry | None:
        if not self.record:
            return None
        done = self.left if self.state is LiveCallState.DONE else None
        return Entry.from_fields(self.queue_id, self.entry_id, self.record, done)

    @classmethod
    def from_reply(cls, queue_id: str, raw: Any, left: EntryState | None = None) -> LiveChange:
        """Parse a script's reply; ``left`` is the state an entry that left ends in."""
        r = json.loads(raw)
        state, previous, wrap_up = r.get("state"), r.get("previous"), r.get("wrap_up")
        return cls(
            status=r["status"],
            state=LiveCallState(state) if state else None,
            previous=LiveCallState(previous) if previous else None,
            agent=r.get("agent", ""),
            wrap_up=None if wrap_up is None else int(wrap_up),
            queue_id=queue_id,
            entry_id=r.get("entry", ""),
            record=r.get("record"),
            left=left,
        )
