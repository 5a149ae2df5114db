"""Callback figures per business number and overall, for a time range.

Every figure but ``callbacks_in_queue`` counts the callbacks *requested*
within ``[start, end)``, whatever happened to them later, so a range's
figures do not change meaning as time passes: of the callbacks asked for
that day, how many were answered, missed, expired, and how long they
waited (from the request to the agent's Call).  ``callbacks_in_queue`` is
live, from Redis: the callbacks waiting or offered right now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, case, func, select

from ringback.callbacks.records import CallbackRecords
from ringback.queue.models import EntryKind
from ringback.queue.service import QueueService
from ringback.store.callbacks import AttemptOutcome, Callback, CallbackState
from ringback.store.db import Database

PAGE = 1000
UNKNOWN_NUMBER = "unknown"


@dataclass(frozen=True)
class CallbackFigures:
    callbacks_in_queue: int = 0
    total_callbacks: int = 0
    average_callback_wait_seconds: float | None = None
    expired: int = 0
    answered: int = 0
    no_answer: int = 0
    busy: int = 0
    failed: int = 0


@dataclass(frozen=True)
class CallbackReport:
    start: float
    end: float
    overall: CallbackFigures
    numbers: dict[str, CallbackFigures]


@dataclass
class _Sums:
    total: int = 0
    waited: int = 0
    wait_sum: float = 0.0
    expired: int = 0
    answered: int = 0
    no_answer: int = 0
    busy: int = 0
    failed: int = 0

    def add(self, other: _Sums) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self, in_queue: int) -> CallbackFigures:
        average = round(self.wait_sum / self.waited, 1) if self.waited else None
        return CallbackFigures(
            callbacks_in_queue=in_queue, total_callbacks=self.total,
            average_callback_wait_seconds=average, expired=self.expired,
            answered=self.answered, no_answer=self.no_answer, busy=self.busy,
            failed=self.failed,
        )


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class CallbackMetrics:
    def __init__(
        self, db: Database, queue: QueueService, records: CallbackRecords,
        queue_ids: Iterable[str] = (),
    ) -> None:
        """``queue_ids``: queues to look for live callbacks in, besides those the
        records know (a callback's record is written by a job, moments later)."""
        self._db = db
        self._queue = queue
        self._records = records
        self._queue_ids = frozenset(queue_ids)

    def report(self, start: float, end: float) -> CallbackReport:
        sums = self._sums(start, end)
        waiting = self.in_queue()
        overall = _Sums()
        for part in sums.values():
            overall.add(part)
        numbers = {
            number: sums.get(number, _Sums()).figures(waiting.get(number, 0))
            for number in sorted(set(sums) | set(waiting))
        }
        return CallbackReport(start, end, overall.figures(sum(waiting.values())), numbers)

    def in_queue(self) -> Counter[str]:
        """Callbacks waiting or offered now, per business number, from Redis."""
        found: Counter[str] = Counter()
        for queue_id in sorted(self._queue_ids | set(self._records.open_queue_ids())):
            offset = 0
            while True:
                entries = self._queue.entries(queue_id, offset, PAGE)
                for entry in entries:
                    if entry.kind == EntryKind.CALLBACK:
                        found[entry.dialled or UNKNOWN_NUMBER] += 1
                if len(entries) < PAGE:
                    break
                offset += PAGE
        return found

    def _sums(self, start: float, end: float) -> dict[str, _Sums]:
        c = Callback
        query = (
            select(
                c.dialled,
                func.count(c.id),
                func.count(c.wait_seconds),
                func.coalesce(func.sum(c.wait_seconds), 0.0),
                _count_where(c.state == CallbackState.EXPIRED.value),
                _count_where(c.outcome == AttemptOutcome.CONNECTED.value),
                _count_where(c.outcome == AttemptOutcome.NO_ANSWER.value),
                _count_where(c.outcome == AttemptOutcome.BUSY.value),
                _count_where(c.outcome == AttemptOutcome.FAILED.value),
            )
            .where(c.requested_at >= _dt(start), c.requested_at < _dt(end))
            .group_by(c.dialled)
        )
        with self._db.session() as session:
            rows = session.execute(query).all()
        return {
            (row[0] or UNKNOWN_NUMBER): _Sums(
                total=int(row[1]), waited=int(row[2]), wait_sum=float(row[3] or 0.0),
                expired=int(row[4]), answered=int(row[5]), no_answer=int(row[6]),
                busy=int(row[7]), failed=int(row[8]),
            )
            for row in rows
        }


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
