"""Durable records of callbacks and their attempts, for lists, reports and tickets.

The live state of a callback (waiting, offered, with an agent) is its queue
entry in Redis; these rows keep what must outlive the entry: when it was
requested, every attempt with its outcome, the ticket, the handle time, and
whether it expired.  ``ref`` is the entry's ``"<queue_id>:<entry_id>"``, and
its unique constraint is what makes every writer (a retried job, a second
worker) land on one row.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base


class CallbackState(str, enum.Enum):
    """Where a callback stands.

    requested -> (offered) -> dialing -> connected | no_answer | busy | failed -> done;
    a decline returns it to requested at the same place; expired ends a request
    nobody called back in time.  ``offered`` exists only live, in Redis.
    """

    REQUESTED = "requested"
    OFFERED = "offered"
    DIALING = "dialing"
    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    DONE = "done"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in (CallbackState.DONE, CallbackState.EXPIRED)


class AttemptOutcome(str, enum.Enum):
    """How one outbound callback call ended."""

    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


def _values(enum_type: type[enum.Enum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_type)


class Callback(Base):
    """One callback request, from the caller's request to its end."""

    __tablename__ = "callbacks"
    __table_args__ = (
        CheckConstraint(f"state IN ({_values(CallbackState)})", name="state"),
        CheckConstraint(f"outcome IN ({_values(AttemptOutcome)})", name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(200), unique=True)
    queue_id: Mapped[str] = mapped_column(String(64), index=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(64), default="")
    callback_number: Mapped[str] = mapped_column(String(32))
    dialled: Mapped[str] = mapped_column(String(64), default="", index=True)
    language: Mapped[str] = mapped_column(String(35), default="")
    intent: Mapped[str] = mapped_column(String(20), default="general")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(20), default=CallbackState.REQUESTED.value,
                                       index=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ticket_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The agent's Call: the end of the customer's wait.
    called_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    wait_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    handle_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Set by the expiry job before it takes the entry out of the queue, so a
    # retry after a crash in between still files the ticket.
    expiring_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CallbackAttempt(Base):
    """One outbound call of a callback: agent first, then the customer."""

    __tablename__ = "callback_attempts"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({_values(AttemptOutcome)})", name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callback_id: Mapped[int] = mapped_column(
        ForeignKey("callbacks.id", ondelete="CASCADE"), index=True
    )
    # "<ref>@<accepted_at in ms>": the same agent's Call sent twice is one attempt.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    agent_id: Mapped[int] = mapped_column(Integer)
    agent_name: Mapped[str] = mapped_column(String(200), default="")
    endpoint: Mapped[str] = mapped_column(String(300), default="")
    called_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When the job began creating the call; a retry after a crash checks first.
    placing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    handle_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
