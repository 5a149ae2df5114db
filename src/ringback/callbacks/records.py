"""The durable side of callbacks: SQL rows of callbacks and attempts.

Every write is idempotent, because every writer is an rq job that may run
again: inserts rely on the unique ``ref`` / attempt ``key`` and read the
winner back, and each state change is one ``UPDATE ... WHERE`` naming the
states it may leave, so a repeated or late write changes nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringback.clock import Clock
from ringback.queue.models import Entry
from ringback.store.callbacks import AttemptOutcome, Callback, CallbackAttempt, CallbackState
from ringback.store.db import Database

OUTCOME_STATES = tuple(CallbackState(o.value) for o in AttemptOutcome)
OPEN_STATES = (CallbackState.REQUESTED, CallbackState.DIALING)


def attempt_key(ref: str, accepted_at: float) -> str:
    """One attempt per acceptance: the same agent's Call sent twice maps to one key."""
    return f"{ref}@{round(accepted_at * 1000)}"


def ref_of_attempt(key: str) -> str:
    return key.rpartition("@")[0]


def accepted_at_of(key: str) -> float:
    """The acceptance time an attempt key names (to the millisecond)."""
    return int(key.rpartition("@")[2]) / 1000


@dataclass(frozen=True)
class AttemptRecord:
    key: str
    agent_id: int
    agent_name: str
    endpoint: str
    called_at: float
    placing_at: float | None
    call_sid: str | None
    answered_at: float | None
    outcome: AttemptOutcome | None
    reason: str | None
    ended_at: float | None
    handle_seconds: float | None


@dataclass(frozen=True)
class CallbackRecord:
    """A callback as stored; times are epoch seconds, like the clock's."""

    id: int
    ref: str
    queue_id: str
    entry_id: str
    caller: str
    callback_number: str
    dialled: str
    language: str
    intent: str
    requested_at: float
    state: CallbackState
    outcome: AttemptOutcome | None
    ticket_id: str | None
    agent_id: int | None
    called_at: float | None
    wait_seconds: float | None
    handle_seconds: float | None
    expiring_at: float | None
    expired_at: float | None
    done_at: float | None
    attempts: tuple[AttemptRecord, ...] = ()


class CallbackRecords:
    """Reads and idempotent writes of ``callbacks`` and ``callback_attempts``."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # Callbacks

    def ensure(self, entry: Entry) -> CallbackRecord:
        """The row of the callback ``entry``; written once, from the first writer's entry."""
        ref = f"{entry.queue_id}:{entry.entry_id}"
        found = self.get(ref)
        if found is not None:
            return found
        requested = entry.requested_at if entry.requested_at is not None else entry.enqueued_at
        try:
            with self._db.session() as session:
                session.add(Callback(
                    ref=ref, queue_id=entry.queue_id, entry_id=entry.entry_id,
                    caller=entry.caller, callback_number=entry.callback_number,
                    dialled=entry.dialled, language=entry.language, intent=entry.intent.value,
                    requested_at=_dt(requested), state=CallbackState.REQUESTED.value,
                    updated_at=self._now(),
                ))
        except IntegrityError:
            pass  # another writer was first; its row is the record
        found = self.get(ref)
        if found is None:
            raise RuntimeError(f"callback record {ref} vanished after it was written")
        return found

    def get(self, ref: str) -> CallbackRecord | None:
        with self._db.session() as session:
            row = session.scalar(select(Callback).where(Callback.ref == ref))
            if row is None:
                return None
            attempts = session.scalars(
                select(CallbackAttempt).where(CallbackAttempt.callback_id == row.id)
                .order_by(CallbackAttempt.called_at, CallbackAttempt.id)
            )
            return _callback(row, tuple(_attempt(a) for a in attempts))

    def set_ticket(self, ref: str, ticket_id: str) -> None:
        self._update(ref, [Callback.ticket_id.is_(None)], ticket_id=ticket_id)

    def mark_done(self, ref: str) -> bool:
        """An outcome was followed up (comment, queue): the callback is done."""
        return self._update(ref, [Callback.state.in_([s.value for s in OUTCOME_STATES])],
                            state=CallbackState.DONE.value, done_at=self._now())

    def mark_expiring(self, ref: str) -> bool:
        return self._update(ref, [Callback.state == CallbackState.REQUESTED.value],
                            expiring_at=self._now())

    def clear_expiring(self, ref: str) -> None:
        self._update(ref, [Callback.state != CallbackState.EXPIRED.value], expiring_at=None)

    def mark_expired(self, ref: str, ticket_id: str) -> bool:
        now = self._now()
        return self._update(ref, [Callback.state == CallbackState.REQUESTED.value],
                            state=CallbackState.EXPIRED.value, expired_at=now, done_at=now,
                            ticket_id=ticket_id)

    # Attempts

    def start_attempt(
        self, ref: str, key: str, *, agent_id: int, agent_name: str, endpoint: str,
        called_at: float,
    ) -> AttemptRecord:
        """The attempt ``key`` (created once); the callback is dialing from now on."""
        found = self.attempt(key)
        if found is not None:
            return found
        try:
            with self._db.session() as session:
                row = session.scalar(select(Callback).where(Callback.ref == ref))
                if row is None:
                    raise LookupError(f"no callback record {ref}")
                session.add(CallbackAttempt(
                    callback_id=row.id, key=key, agent_id=agent_id, agent_name=agent_name,
                    endpoint=endpoint, called_at=_dt(called_at),
                ))
                if row.state == CallbackState.REQUESTED.value:
                    row.state = CallbackState.DIALING.value
                    row.agent_id = agent_id
                    if row.called_at is None:
                        row.called_at = _dt(called_at)
                        row.wait_seconds = max(0.0, called_at - _epoch(row.requested_at))
                    row.updated_at = self._now()
        except IntegrityError:
            pass
        found = self.attempt(key)
        if found is None:
            raise RuntimeError(f"attempt {key} vanished after it was written")
        return found

    def attempt(self, key: str) -> AttemptRecord | None:
        with self._db.session() as session:
            row = session.scalar(select(CallbackAttempt).where(CallbackAttempt.key == key))
            return _attempt(row) if row is not None else None

    def mark_placing(self, key: str) -> None:
        self._update_attempt(key, [CallbackAttempt.outcome.is_(None)], placing_at=self._now())

    def clear_placing(self, key: str) -> None:
        """Twilio refused the creation: no call can exist, the next try starts afresh."""
        self._update_attempt(key, [CallbackAttempt.call_sid.is_(None)], placing_at=None)

    def set_call_sid(self, key: str, sid: str) -> None:
        self._update_attempt(key, [CallbackAttempt.call_sid.is_(None)], call_sid=sid)

    def mark_answered(self, key: str) -> bool:
        """The customer picked up: the callback is connected until the call ends."""
        if not self._update_attempt(
            key, [CallbackAttempt.outcome.is_(None), CallbackAttempt.answered_at.is_(None)],
            answered_at=self._now(),
        ):
            return False
        self._update(ref_of_attempt(key), [Callback.state == CallbackState.DIALING.value],
                     state=CallbackState.CONNECTED.value)
        return True

    def record_outcome(
        self, key: str, outcome: AttemptOutcome, reason: str | None,
        handle_seconds: float | None = None,
    ) -> bool:
        """The first outcome of an attempt wins; False when it had one already."""
        if not self._update_attempt(
            key, [CallbackAttempt.outcome.is_(None)], outcome=outcome.value, reason=reason,
            ended_at=self._now(), handle_seconds=handle_seconds,
        ):
            return False
        self._update(
            ref_of_attempt(key),
            [Callback.state.in_([CallbackState.DIALING.value, CallbackState.CONNECTED.value])],
            state=outcome.value, outcome=outcome.value, handle_seconds=handle_seconds,
        )
        return True

    # Lists

    def list(
        self, *, states: Iterable[CallbackState] | None = None, queue_id: str | None = None,
        limit: int = 50, offset: int = 0,
    ) -> builtins.list[CallbackRecord]:
        """Callbacks, newest request first, with their attempts."""
        query = _filtered(select(Callback), states, queue_id)
        with self._db.session() as session:
            rows = session.scalars(
                query.order_by(Callback.requested_at.desc(), Callback.id.desc())
                .limit(limit).offset(offset)
            ).all()
            by_callback: dict[int, builtins.list[AttemptRecord]] = {r.id: [] for r in rows}
            if rows:
                for a in session.scalars(
                    select(CallbackAttempt)
                    .where(CallbackAttempt.callback_id.in_(list(by_callback)))
                    .order_by(CallbackAttempt.called_at, CallbackAttempt.id)
                ):
                    by_callback[a.callback_id].append(_attempt(a))
            return [_callback(r, tuple(by_callback[r.id])) for r in rows]

    def count(
        self, *, states: Iterable[CallbackState] | None = None, queue_id: str | None = None,
        requested_after: float | None = None,
    ) -> int:
        query = _filtered(select(func.count(Callback.id)), states, queue_id)
        if requested_after is not None:
            query = query.where(Callback.requested_at > _dt(requested_after))
        with self._db.session() as session:
            return int(session.scalar(query) or 0)

    def recorded(self, refs: Iterable[str]) -> set[str]:
        """Which of ``refs`` have a row."""
        wanted = builtins.list(refs)
        if not wanted:
            return set()
        with self._db.session() as session:
            return set(session.scalars(select(Callback.ref).where(Callback.ref.in_(wanted))))

    def open_queue_ids(self) -> builtins.list[str]:
        """Queues holding callbacks not yet dialled or ended: where live ones may wait."""
        with self._db.session() as session:
            return sorted(session.scalars(
                select(Callback.queue_id).distinct()
                .where(Callback.state == CallbackState.REQUESTED.value)
            ))

    # Helpers

    def _update(self, ref: str, where: builtins.list[Any], **values: Any) -> bool:
        values.setdefault("updated_at", self._now())
        with self._db.session() as session:
            return _changed(session, update(Callback).where(Callback.ref == ref, *where)
                            .values(**values))

    def _update_attempt(self, key: str, where: builtins.list[Any], **values: Any) -> bool:
        with self._db.session() as session:
            return _changed(session, update(CallbackAttempt)
                            .where(CallbackAttempt.key == key, *where).values(**values))

    def _now(self) -> datetime:
        return _dt(self._clock.now())


def _filtered(
    query: Select[Any], states: Iterable[CallbackState] | None, queue_id: str | None
) -> Select[Any]:
    if states is not None:
        query = query.where(Callback.state.in_([CallbackState(s).value for s in states]))
    if queue_id is not None:
        query = query.where(Callback.queue_id == queue_id)
    return query


def _changed(session: Session, statement: Any) -> bool:
    return cast(CursorResult[Any], session.execute(statement)).rowcount > 0


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _epoch(when: datetime | None) -> float:
    if when is None:
        raise ValueError("no time")
    # SQLite hands back naive datetimes; every stored time is UTC.
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _opt(when: datetime | None) -> float | None:
    return None if when is None else _epoch(when)


def _attempt(a: CallbackAttempt) -> AttemptRecord:
    return AttemptRecord(
        key=a.key, agent_id=a.agent_id, agent_name=a.agent_name, endpoint=a.endpoint,
        called_at=_epoch(a.called_at), placing_at=_opt(a.placing_at), call_sid=a.call_sid,
        answered_at=_opt(a.answered_at),
        outcome=AttemptOutcome(a.outcome) if a.outcome else None, reason=a.reason,
        ended_at=_opt(a.ended_at), handle_seconds=a.handle_seconds,
    )


def _callback(c: Callback, attempts: tuple[AttemptRecord, ...]) -> CallbackRecord:
    return CallbackRecord(
        id=c.id, ref=c.ref, queue_id=c.queue_id, entry_id=c.entry_id, caller=c.caller,
        callback_number=c.callback_number, dialled=c.dialled, language=c.language,
        intent=c.intent, requested_at=_epoch(c.requested_at), state=CallbackState(c.state),
        outcome=AttemptOutcome(c.outcome) if c.outcome else None, ticket_id=c.ticket_id,
        agent_id=c.agent_id, called_at=_opt(c.called_at), wait_seconds=c.wait_seconds,
        handle_seconds=c.handle_seconds, expiring_at=_opt(c.expiring_at),
        expired_at=_opt(c.expired_at), done_at=_opt(c.done_at), attempts=attempts,
    )
