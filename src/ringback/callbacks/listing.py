"""Lists of callbacks for the API and the console: SQL records with their live state."""

from __future__ import annotations

from dataclasses import dataclass

from ringback.callbacks.records import CallbackRecords
from ringback.callbacks.service import parse_entry_ref
from ringback.callbacks.states import CallbackView, view
from ringback.clock import Clock
from ringback.errors import NotFound, ValidationError
from ringback.parsing import whole_number
from ringback.queue.models import EntryKind
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
    def __init__(self, queue: QueueService, records: CallbackRecords, clock: Clock) -> None:
        self._queue = queue
        self._records = records
        self._clock = clock

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
        records = self._records.list(states=states, queue_id=queue_id, limit=size, offset=skip)
        now = self._clock.now()
        views = []
        for record in records:
            entry = None
            live = not record.state.is_final
            if live:
                entry = self._queue.get(record.queue_id, record.entry_id)
            position = self._position(record.queue_id, record.entry_id, entry is not None)
            views.append(view(record, entry, position, now))
        total = self._records.count(states=states, queue_id=queue_id)
        return CallbackPage(views, total, size, skip)

    def _position(self, queue_id: str, entry_id: str, live: bool) -> int | None:
        return self._queue.position(queue_id, entry_id) if live else None

