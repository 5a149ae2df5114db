"""The live board's view model: each queue with its waiting entries, and the agents.

The board page, its fragment (re-fetched when a queue's event stream moves)
and the tests all read the same ``Board``, gathered from the queue engine,
the agent directory and routing's presence and offers (so away and missed
agents and moved offer deadlines show as the API shows them).  Nothing here
knows Flask.

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
from ringback.queue.models import Entry, EntryKind, EntryState
from ringback.queue.service import QueueService
from ringback.routing.offers import OfferService, OfferView
from ringback.routing.presence import AgentStatus, PresenceService, PresenceState

if TYPE_CHECKING:
    from ringback.services import Services

ENTRIES_SHOWN = 100
# Logged in: shown in a queue's head count.
WORKING = (PresenceState.AVAILABLE, PresenceState.OFFERED, PresenceState.BUSY,
           PresenceState.WRAP_UP)

STATE_LABELS = {
    PresenceState.AVAILABLE: "Available",
    PresenceState.OFFERED: "Offered",
    PresenceState.BUSY: "Busy",
    PresenceState.WRAP_UP: "Wrap-up",
    PresenceState.LOGGED_OUT: "Logged out",
    PresenceState.AWAY: "Away",
    PresenceState.MISSED: "Missed a call",
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
    offered_to_viewer: bool
    offer_seconds_left: int | None
    declined_by_viewer: bool
    rang_out_for_viewer: bool

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
    state: PresenceState
    queues: tuple[str, ...]
    offer: OfferView | None  # the entry offered to the agent, or the call it is on
    seconds_left: int | None  # offer countdown or wrap-up left
    note: str | None  # why a missed agent is out

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def is_working(self) -> bool:
        return self.state in WORKING


@dataclass(frozen=True)
class QueueBoard:
    queue_id: str
    entries: list[EntryRow]
    size: int
    agents: dict[str, int]  # working agents of the queue by state label

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
    def queue_ids(self) -> list[str]:
        return [q.queue_id for q in self.queues]


def board_queue_ids(services: Services) -> set[str]:
    """The queues the board shows (see the module docstring)."""
    from ringback.callbacks.parts import configured_queue_ids

    found = configured_queue_ids(services.numbers)
    found.update(services.callback_records.open_queue_ids())
    return found


class LiveBoard:
    """Gathers a ``Board``: entries from the queue engine, agents from the directory
    with their presence (``PresenceService``: away and missed too) and offers."""

    def __init__(self, *, queue: QueueService, agents: AgentDirectory,
                 presence: PresenceService, offers: OfferService, clock: Clock,
                 queue_ids: Iterable[str], shown: int = ENTRIES_SHOWN) -> None:
        self._queue = queue
        self._agents = agents
        self._presence = presence
        self._offers = offers
        self._clock = clock
        self._queue_ids = frozenset(queue_ids)
        self._shown = shown

    def build(self, viewer_id: int | None = None) -> Board:
        now = self._clock.now()
        people = self._agents.all()
        names = {str(a.id): a.name for a in people}
        statuses = self._presence.get_many(a.id for a in people)  # one batched read
        agents = [self._agent_row(a.name, statuses[a.id], now) for a in people]
        member_queues = {q for a in agents for q in a.queues}
        viewer = str(viewer_id) if viewer_id is not None else None
        queues = []
        for queue_id in sorted(self._queue_ids | member_queues):
            entries = self._queue.entries(queue_id, 0, self._shown)
            deadlines = self._offers.deadlines(entries)
            rows = [self._entry_row(e, i + 1, names, viewer, now, deadlines)
                    for i, e in enumerate(entries)]
            counts: dict[str, int] = {}
            for agent in agents:
                if queue_id in agent.queues and agent.is_working:
                    counts[agent.label] = counts.get(agent.label, 0) + 1
            size = self._queue.size(queue_id) if len(entries) >= self._shown else len(entries)
            queues.append(QueueBoard(queue_id, rows, size, counts))
        me = next((a for a in agents if a.agent_id == viewer_id), None)
        return Board(queues, agents, me, now)

    @staticmethod
    def _entry_row(entry: Entry, position: int, names: dict[str, str],
                   viewer: str | None, now: float,
                   deadlines: dict[str, float | None]) -> EntryRow:
        seconds_left = None
        offered_to = None
        if entry.state is EntryState.OFFERED:
            offered_to = names.get(entry.offered_to or "", entry.offered_to)
            seconds_left = _left(deadlines.get(entry_ref(entry.queue_id, entry.entry_id)), now)
        return EntryRow(
            ref=entry_ref(entry.queue_id, entry.entry_id), queue_id=entry.queue_id,
            entry_id=entry.entry_id, position=position, kind=entry.kind, state=entry.state,
            caller=entry.caller, callback_number=entry.callback_number, dialled=entry.dialled,
            intent=entry.intent.value, language=entry.language,
            wait_seconds=max(0, int(now - entry.enqueued_at)), offered_to=offered_to,
            offered_to_viewer=viewer is not None and entry.offered_to == viewer
            and entry.state is EntryState.OFFERED,
            offer_seconds_left=seconds_left,
            declined_by_viewer=viewer is not None and viewer in entry.declined_by
            and viewer not in entry.timed_out_for,
            rang_out_for_viewer=viewer is not None and viewer in entry.timed_out_for,
        )

    @staticmethod
    def _agent_row(name: str, status: AgentStatus, now: float) -> AgentRow:
        offer = status.offer
        until = offer.deadline if status.state is PresenceState.OFFERED and offer else \
            status.wrap_up_until if status.state is PresenceState.WRAP_UP else None
        note = status.missed.detail if status.missed is not None else None
        return AgentRow(status.agent_id, name, status.state, status.queues, offer,
                        _left(until, now), note)


def _left(until: float | None, now: float) -> int | None:
    return max(0, round(until - now)) if until else None
