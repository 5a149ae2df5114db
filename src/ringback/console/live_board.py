"""The live board's view model: each queue with its waiting entries, and the agents.

The board page, its fragment (re-fetched when a queue's event stream moves)
and the tests all read the same ``Board``, gathered from the queue engine
and the agent directory.  Nothing here knows Flask.

Which queues: those the configured numbers send callers to, those holding
callbacks with an open record, and those agents are members of; the same
sources ``CallbackMetrics`` uses, so the board and the reports agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ringback.agents import AgentDirectory
from ringback.callbacks.service import entry_ref
from ringback.clock import Clock
from ringback.queue.models import AgentPresence, AgentState, Entry, EntryKind, EntryState
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import DeadlineKind, Deadlines

if TYPE_CHECKING:
    from ringback.services import Services

ENTRIES_SHOWN = 100

STATE_LABELS = {
    AgentState.AVAILABLE: "Available",
    AgentState.OFFERED: "Offered",
    AgentState.BUSY: "Busy",
    AgentState.WRAP_UP: "Wrap-up",
    AgentState.LOGGED_OUT: "Logged out",
}


@dataclass(frozen=True)
class EntryRow:
    """One caller or callback as the board shows it."""

    ref: str
    queue_id: str
    entry_id: str
    position: int
    kind: EntryKind
    state: EntryState
    caller: str
    callback_number: str
    dialled: str
    intent: str
    language: str
    wait_seconds: int
    offered_to: str | None  # the agent's name
    offer_seconds_left: int | None
    declined_by_viewer: bool

    @property
    def is_callback(self) -> bool:
        return self.kind is EntryKind.CALLBACK

    @property
    def is_offered(self) -> bool:
        return self.state is EntryState.OFFERED


@dataclass(frozen=True)
class AgentRow:
    agent_id: int
    name: str
    state: AgentState
    queues: tuple[str, ...]
    entry_ref: str | None  # the entry offered to the agent, or the call it is on
    seconds_left: int | None  # offer countdown or wrap-up left

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class QueueBoard:
    queue_id: str
    entries: list[EntryRow]
    size: int
    agents: dict[AgentState, int]

    @property
    def more(self) -> int:
        """Entries behind the ones shown."""
        return max(0, self.size - len(self.entries))

    @property
    def callbacks(self) -> int:
        return sum(1 for e in self.entries if e.is_callback)


@dataclass(frozen=True)
class Board:
    queues: list[QueueBoard]
    agents: list[AgentRow]
    me: AgentRow | None
    now: float

    @property
    def waiting(self) -> int:
        return sum(q.size for q in self.queues)


def board_queue_ids(services: Services) -> set[str]:
    """The queues the board shows (see the module docstring)."""
    from ringback.callbacks.parts import configured_queue_ids
    from ringback.callbacks.records import CallbackRecords

    found = configured_queue_ids(services)
    found.update(CallbackRecords(services.db, services.clock).open_queue_ids())
    return found


class LiveBoard:
    def __init__(self, queue: QueueService, agents: AgentDirectory, deadlines: Deadlines,
                 clock: Clock, queue_ids: Iterable[str], *, shown: int = ENTRIES_SHOWN) -> None:
        self._queue = queue
        self._agents = agents
        self._deadlines = deadlines
        self._clock = clock
        self._queue_ids = frozenset(queue_ids)
        self._shown = shown

    def build(self, viewer_id: int | None = None) -> Board:
        now = self._clock.now()
        people = self._agents.all()
        names = {str(a.id): a.name for a in people}
        presences = {a.id: self._queue.agent(str(a.id)) for a in people}
        agents = [self._agent_row(a.id, a.name, presences[a.id], now) for a in people]
        member_queues = {q for p in presences.values() for q in p.queues}
        queue_ids = sorted(self._queue_ids | member_queues)
        viewer = str(viewer_id) if viewer_id is not None else None
        queues = []
        for queue_id in queue_ids:
            entries = self._queue.entries(queue_id, 0, self._shown)
            rows = [self._entry_row(e, i + 1, names, viewer, now) for i, e in enumerate(entries)]
            counts: dict[AgentState, int] = {}
            for row in agents:
                if queue_id in row.queues and row.state is not AgentState.LOGGED_OUT:
                    counts[row.state] = counts.get(row.state, 0) + 1
            size = self._queue.size(queue_id) if len(entries) >= self._shown else len(entries)
            queues.append(QueueBoard(queue_id, rows, size, counts))
        me = next((a for a in agents if a.agent_id == viewer_id), None)
        return Board(queues, agents, me, now)

    def _entry_row(self, entry: Entry, position: int, names: dict[str, str],
                   viewer: str | None, now: float) -> EntryRow:
        seconds_left = None
        offered_to = None
        ref = entry_ref(entry.queue_id, entry.entry_id)
        if entry.state is EntryState.OFFERED:
            offered_to = names.get(entry.offered_to or "", entry.offered_to)
            # Routing may move the offer's timeout (a softphone that accepted rings longer).
            deadline = self._deadlines.due_at(DeadlineKind.OFFER_TIMEOUT, ref) \
                or entry.offer_deadline
            seconds_left = max(0, round(deadline - now)) if deadline else None
        return EntryRow(
            ref=ref, queue_id=entry.queue_id, entry_id=entry.entry_id, position=position,
            kind=entry.kind, state=entry.state, caller=entry.caller,
            callback_number=entry.callback_number, dialled=entry.dialled,
            intent=entry.intent.value, language=entry.language,
            wait_seconds=max(0, int(now - entry.enqueued_at)), offered_to=offered_to,
            offer_seconds_left=seconds_left,
            declined_by_viewer=viewer is not None and viewer in entry.declined_by,
        )

    @staticmethod
    def _agent_row(agent_id: int, name: str, p: AgentPresence, now: float) -> AgentRow:
        ref = entry_ref(p.queue_id, p.entry_id) if p.queue_id and p.entry_id else None
        until = p.offer_deadline if p.state is AgentState.OFFERED else p.wrap_up_until
        left = max(0, round(until - now)) if until else None
        return AgentRow(agent_id, name, p.state, p.queues, ref, left)
