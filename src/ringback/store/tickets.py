"""Durable records of the built-in ticket store: tickets and their comments.

A ticket is created once per idempotency key: the unique constraint on
``idempotency_key`` is what makes a retried job or a webhook delivered twice
find the ticket it created the first time, even when both run at once.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base, utcnow


class TicketStatus(str, enum.Enum):
    """Where a ticket stands: new and unanswered, waiting on someone, done."""

    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"


_STATUSES = ", ".join(f"'{s.value}'" for s in TicketStatus)


class Ticket(Base):
    """A request to follow up, e.g. the "Callback" ticket of an expired callback.

    ``requester`` is an E.164 number or an e-mail address; ``data`` holds the
    structured fields (caller number, callback number, number dialled, queue,
    language, requested_at, attempts) that a helpdesk shows as custom fields.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        Index("ix_tickets_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    requester: Mapped[str] = mapped_column(String(254), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.OPEN.value, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TicketComment(Base):
    """A note on a ticket; internal ones are for agents only (e.g. a missed callback)."""

    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str | None] = mapped_column(String(254), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
