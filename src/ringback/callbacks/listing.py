"""Lists of callbacks for the API and the console: SQL records with their live state.

A callback exists from the moment the caller asks (its queue entry), but its
SQL row is written by a job a moment later, or later still when the workers
are busy.  So a page joins the rows with the callbacks still unrecorded
(``UnrecordedCallbacks``, read from their live entries), ordered by request
time like the rows: the list shows what ``GET /callbacks/<id>`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringback.callbacks.enqueue import UnrecordedCallbacks
from ringback.callbacks.records import CallbackRecords
from ringback.callbacks.service import parse_entry_ref
from ringback.callbacks.states import CallbackView, live_state, view
from ringback.clock import Clock
from ringback.errors import NotFound, ValidationError
from ringback.parsing import whole_number
from ringback.queue.models import Entry, EntryKind
from ringback.queue.service import QueueService
from ringback.store.callbacks import CallbackState

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Filters name stored states; an offered callback is stored as requested.
FILTER_STATES = tuple(s for s in CallbackState if s is not CallbackState.OFFERED)


@dataclass(frozen=True)
class CallbackPage:
    callbacks: list[CallbackView]
    total: int
    limit: int
    offset: int


class CallbackListing:
    def __init__(self, queue: QueueService, records: CallbackRecords, clock: Clock,
                 unrecorded: UnrecordedCallbacks) -> None:
        self._queue = queue
        self._records = records
        self._clock = clock
        self._unrecorded = unrecorded

    def one(self, ref: str) -> CallbackView:
        record = self._records.get(ref)
        queue_id, entry_id = parse_entry_ref(ref)
        entry = self._queue.get(queue_id, entry_id) if queue_id and entry_id else None
        if entry is not None and entry.kind != EntryKind.CALLBACK:
            entry = None
        if record is None and entry is None:
            raise NotFound("callback", ref)
        return view(record, entry, self._position(queue_id, entry_id, entry is not None),
                    self._clock.now())

    def page(
        self, *, state: str | None = None, queue_id: str | None = None,
        limit: str | int | None = None, offset: str | int | None = None,
    ) -> CallbackPage:
        """Newest request first; ``state`` filters on the stored state."""
        errors: dict[str, str] = {}
        states = None
        if state is not None:
            if state not in {s.value for s in FILTER_STATES}:
                errors["state"] = "must be one of " + ", ".join(s.value for s in FILTER_STATES)
            else:
                states = [CallbackState(state)]
        size = whole_number(errors, "limit", limit, default=DEFAULT_LIMIT, minimum=1,
                            maximum=MAX_LIMIT)
        skip = whole_number(errors, "offset", offset, default=0, minimum=0, maximum=10**9)
        if errors:
            raise ValidationError(errors)
        now = self._clock.now()
        fresh = self._fresh(states, queue_id)
        # Row i of the SQL order lands at i + (fresh callbacks requested at or after it),
        # so only rows from offset - len(fresh) on can fall into this page.
        first_row = max(0, skip - len(fresh))
        rows = self._records.list(states=states, queue_id=queue_id,
                                  limit=size + skip - first_row, offset=first_row)
        placed: list[tuple[int, CallbackView]] = []
        for i, record in enumerate(rows, start=first_row):
            entry = None
            if not record.state.is_final:
                entry = self._queue.get(record.queue_id, record.entry_id)
            position = self._position(record.queue_id, record.entry_id, entry is not None)
            ahead = sum(1 for e in fresh if _requested(e) >= record.requested_at)
            placed.append((i + ahead, view(record, entry, position, now)))
        for j, entry in enumerate(fresh):
            ahead = self._records.count(states=states, queue_id=queue_id,
                                        requested_after=_requested(entry))
            if skip <= j + ahead < skip + size:
                position = self._position(entry.queue_id, entry.entry_id, True)
                placed.append((j + ahead, view(None, entry, position, now)))
        views = [v for at, v in sorted(placed, key=lambda p: p[0]) if skip <= at < skip + size]
        total = self._records.count(states=states, queue_id=queue_id) + len(fresh)
        return CallbackPage(views, total, size, skip)

    def _fresh(self, states: list[CallbackState] | None, queue_id: str | None) -> list[Entry]:
        """Live callbacks without a row yet that match the filters, newest request first.
        Refs whose row now exists or whose entry is gone leave the unrecorded set."""
        refs = self._unrecorded.refs()
        done = self._records.recorded(refs)
        found: list[Entry] = []
        for ref in refs:
            if ref in done:
                continue
            entry = self._queue.get(*parse_entry_ref(ref))
            if entry is None or entry.kind != EntryKind.CALLBACK:
                done.add(ref)
                continue
            stored = live_state(None, entry)
            if stored is CallbackState.OFFERED:
                stored = CallbackState.REQUESTED  # as its row will say
            if (states is None or stored in states) and queue_id in (None, entry.queue_id):
                found.append(entry)
        self._unrecorded.remove(*done)
        return sorted(found, key=lambda e: (_requested(e), e.entry_id), reverse=True)

    def _position(self, queue_id: str, entry_id: str, live: bool) -> int | None:
        return self._queue.position(queue_id, entry_id) if live else None


def _requested(entry: Entry) -> float:
    return entry.requested_at if entry.requested_at is not None else entry.enqueued_at
