"""Callback figures per business number and overall, for a time range.

Every figure but ``callbacks_in_queue`` counts the callbacks *requested*
within ``[start, end)``, whatever happened to them later, so a range's
figures do not change meaning as time passes: of the callbacks asked for
that day, how many were answered, missed, expired, and how long they
waited (from the request to the agent's Call).  ``callbacks_in_queue`` is
live, from Redis: the callbacks waiting or offered right now.

A range cut into periods (the reports page's chart) costs the same as one
range: one SQL query grouped by period and number, and one look at the
queues, however many periods there are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, case, func, literal, select

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


@dataclass(frozen=True)
class CallbackSeries:
    """A range's report and the overall figures of each of its periods, in order."""

    report: CallbackReport
    periods: list[CallbackFigures]


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
        return self.series([start, end]).report

    def series(self, bounds: Sequence[float]) -> CallbackSeries:
        """The report of ``[bounds[0], bounds[-1])`` and the figures of each period
        ``[bounds[i], bounds[i + 1])``: one query and one look at the queues.

        A period's ``callbacks_in_queue`` is the live count, as in the report.
        """
        if len(bounds) < 2 or any(a >= b for a, b in zip(bounds, bounds[1:], strict=False)):
            raise ValueError("bounds must rise, with at least one period")
        sums = self._sums(bounds)
        waiting = self.in_queue()
        in_queue = sum(waiting.values())
        periods = [_Sums() for _ in bounds[1:]]
        by_number: dict[str, _Sums] = {}
        for (period, number), part in sums.items():
            periods[period].add(part)
            by_number.setdefault(number, _Sums()).add(part)
        overall = _Sums()
        for part in periods:
            overall.add(part)
        numbers = {
            number: by_number.get(number, _Sums()).figures(waiting.get(number, 0))
            for number in sorted(set(by_number) | set(waiting))
        }
        report = CallbackReport(bounds[0], bounds[-1], overall.figures(in_queue), numbers)
        return CallbackSeries(report, [p.figures(in_queue) for p in periods])

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

    def _sums(self, bounds: Sequence[float]) -> dict[tuple[int, str], _Sums]:
        """Sums by (period index, business number) of the callbacks requested in
        each period; the period is a CASE over the bounds, so every database
        cuts exactly where the bounds say."""
        c = Callback
        period: ColumnElement[int] = case(
            *((c.requested_at < _dt(bound), i) for i, bound in enumerate(bounds[1:-1])),
            else_=len(bounds) - 2,
        ) if len(bounds) > 2 else literal(0)
        rows_in_range = (
            select(period.label("period"), c.id, c.dialled, c.wait_seconds, c.state, c.outcome)
            .where(c.requested_at >= _dt(bounds[0]), c.requested_at < _dt(bounds[-1]))
            .subquery()
        )
        r = rows_in_range.c
        query = (
            select(
                r.period,
                r.dialled,
                func.count(r.id),
                func.count(r.wait_seconds),
                func.coalesce(func.sum(r.wait_seconds), 0.0),
                _count_where(r.state == CallbackState.EXPIRED.value),
                _count_where(r.outcome == AttemptOutcome.CONNECTED.value),
                _count_where(r.outcome == AttemptOutcome.NO_ANSWER.value),
                _count_where(r.outcome == AttemptOutcome.BUSY.value),
                _count_where(r.outcome == AttemptOutcome.FAILED.value),
            )
            .group_by(r.period, r.dialled)
        )
        with self._db.session() as session:
            rows = session.execute(query).all()
        found: dict[tuple[int, str], _Sums] = {}
        for row in rows:
            part = _Sums(
                total=int(row[2]), waited=int(row[3]), wait_sum=float(row[4] or 0.0),
                expired=int(row[5]), answered=int(row[6]), no_answer=int(row[7]),
                busy=int(row[8]), failed=int(row[9]),
            )
            found.setdefault((int(row[0]), row[1] or UNKNOWN_NUMBER), _Sums()).add(part)
        return found


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
