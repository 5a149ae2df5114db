"""Durable records of the built-in ticket store: tickets, their articles
(``ticket_comments``), their history, queue SLAs and agents' ticket queues.

A ticket is created once per idempotency key: the unique constraint on
``idempotency_key`` is what makes a retried job or a webhook delivered twice
find the ticket it created the first time, even when both run at once.

``state`` is the helpdesk's state; ``status`` is the coarse status the
``TicketSink`` interface has always spoken (open, pending, solved) and is
derived from ``state`` on every change (``STATUS_OF``).
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base, utcnow


class TicketStatus(str, enum.Enum):
    """Where a ticket stands: new and unanswered, waiting on someone, done."""

    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"


_STATUSES = ", ".join(f"'{s.value}'" for s in TicketStatus)


class TicketState(str, enum.Enum):
    """The helpdesk's states; the two pending ones need ``pending_until``."""

    NEW = "new"
    OPEN = "open"
    PENDING_REMINDER = "pending reminder"
    PENDING_AUTO_CLOSE = "pending auto-close"
    CLOSED_SUCCESSFUL = "closed successful"
    CLOSED_UNSUCCESSFUL = "closed unsuccessful"


PENDING_STATES = frozenset({TicketState.PENDING_REMINDER, TicketState.PENDING_AUTO_CLOSE})
CLOSED_STATES = frozenset({TicketState.CLOSED_SUCCESSFUL, TicketState.CLOSED_UNSUCCESSFUL})
STATUS_OF = {
    TicketState.NEW: TicketStatus.OPEN,
    TicketState.OPEN: TicketStatus.OPEN,
    TicketState.PENDING_REMINDER: TicketStatus.PENDING,
    TicketState.PENDING_AUTO_CLOSE: TicketStatus.PENDING,
    TicketState.CLOSED_SUCCESSFUL: TicketStatus.SOLVED,
    TicketState.CLOSED_UNSUCCESSFUL: TicketStatus.SOLVED,
}
_STATES = ", ".join(f"'{s.value}'" for s in TicketState)


class ArticleKind(str, enum.Enum):
    """How an article came: a phone call, an e-mail, or a note (a sink comment is a note)."""

    PHONE = "phone"
    EMAIL = "email"
    NOTE = "note"


_KINDS = ", ".join(f"'{k.value}'" for k in ArticleKind)
MIN_PRIORITY, DEFAULT_PRIORITY, MAX_PRIORITY = 1, 3, 5


class Ticket(Base):
    """A request to follow up, e.g. the "Callback" ticket of an expired callback.

    ``requester`` is an E.164 number or an e-mail address; ``data`` holds the
    structured fields (caller number, callback number, number dialled, queue,
    language, requested_at, attempts) that a helpdesk shows as custom fields.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        CheckConstraint(f"priority BETWEEN {MIN_PRIORITY} AND {MAX_PRIORITY}", name="priority"),
        Index("ix_tickets_created_at_id", "created_at", "id"),
        # The customer information center's widgets and the ticket list's filters
        # (migration 0016): counts per customer, "my queues", "my locked", reminders
        # due and escalations.
        Index("ix_tickets_customer_id_state", "customer_id", "state"),
        Index("ix_tickets_customer_user_id_state", "customer_user_id", "state"),
        Index("ix_tickets_state_queue", "state", "queue"),
        Index("ix_tickets_locked_by_agent_id_state", "locked_by_agent_id", "state"),
        Index("ix_tickets_owner_agent_id_state", "owner_agent_id", "state"),
        Index("ix_tickets_state_pending_until", "state", "pending_until"),
        Index("ix_tickets_first_response_due", "first_response_due"),
        Index("ix_tickets_update_due", "update_due"),
        Index("ix_tickets_solution_due", "solution_due"),
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
    # The helpdesk (migration 0014).  ``number`` is yyyymmdd of creation + the id.
    number: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    state: Mapped[str] = mapped_column(String(30), default=TicketState.NEW.value, index=True)
    queue: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=DEFAULT_PRIORITY)
    owner_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True, index=True)
    locked_by_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True, index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True)
    customer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_users.id", ondelete="SET NULL"), nullable=True, index=True)
    pending_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                               nullable=True)
    first_response_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                                nullable=True)
    update_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    solution_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)


class TicketComment(Base):
    """An article of a ticket: a phone call, an e-mail or a note; internal ones are for
    agents only (e.g. a missed callback).  ``TicketSink`` comments are notes."""

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
    kind: Mapped[str] = mapped_column(String(10), default=ArticleKind.NOTE.value)
    author_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)


class TicketHistory(Base):
    """One change of one field of a ticket: what it was, what it became, who, when.

    ``agent_id`` is None for ringback itself (a callback's ticket, the owner token)."""

    __tablename__ = "ticket_history"
    __table_args__ = (Index("ix_ticket_history_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QueueSlaRecord(Base):
    """A queue's service-level agreement for tickets and its business hours.

    Kept in SQL beside the tickets it times rather than in the queue's Redis
    settings: routing never reads it, and the ticket store reads it in the same
    database.  ``business_hours`` maps "mon".."sun" to ["HH:MM", "HH:MM"] spans.
    """

    __tablename__ = "queue_slas"

    queue_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    update_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    solution_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgentTicketQueue(Base):
    """One of the queues an agent chose as "my queues" for ticket views."""

    __tablename__ = "agent_ticket_queues"
    __table_args__ = (UniqueConstraint("agent_id", "queue_id",
                                       name="uq_agent_ticket_queues_agent_queue"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"),
                                          index=True)
    queue_id: Mapped[str] = mapped_column(String(64))


class DashboardLayout(Base):
    """An agent's layout of the customer information center: the widgets' order and
    the ones closed (migration 0016); removing the agent removes it."""

    __tablename__ = "dashboard_layouts"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"),
                                          primary_key=True)
    widgets: Mapped[list[str]] = mapped_column(JSON, default=list)
    closed: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
