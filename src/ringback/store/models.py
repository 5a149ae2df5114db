"""SQLAlchemy models of the durable records.

Each concept keeps its models in its own module of ``ringback.store``; this
module holds the declarative base and the records every part shares.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(str, enum.Enum):
    OWNER = "owner"
    ADMIN = "admin"
    CUSTOM = "custom"


class Permission(str, enum.Enum):
    """Areas a custom role may be granted; owner and admin hold all of them."""

    LIVE_QUEUE = "live_queue"
    CALLBACKS = "callbacks"
    NUMBERS = "numbers"
    AGENTS = "agents"
    REPORTS = "reports"
    BOOKINGS = "bookings"
    TICKETS = "tickets"
    # Call-centre requests: log requests, read the knowledge base, see work orders.
    REQUESTS = "requests"
    # Write and change knowledge-base articles (supervisors).
    KNOWLEDGE_BASE = "knowledge_base"
    # Move work orders through their states and edit the problem-code tree.
    WORK_ORDERS = "work_orders"


class Agent(Base):
    """A person who works in ringback: an agent, an admin or the owner."""

    __tablename__ = "agents"
    # SQLite: never hand a removed agent's id to a new one (PostgreSQL never does).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.CUSTOM.value)
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    endpoint: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def holds(self, permission: Permission) -> bool:
        if self.role in (Role.OWNER.value, Role.ADMIN.value):
            return True
        return permission.value in (self.permissions or [])
