"""Durable records of the web console: log-in sessions, invitations, the audit
log and the account-wide settings.

Sessions live in SQL (not in a signed cookie) so that each has an id the
agent can see and end; the cookie carries only a random token whose SHA-256
digest is stored here, so a database dump hands out no live sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base, utcnow


def from_epoch(seconds: float) -> datetime:
    """A clock reading as a timezone-aware UTC datetime, as the columns hold."""
    return datetime.fromtimestamp(seconds, UTC)


def as_utc(value: datetime) -> datetime:
    """The stored time with its zone: SQLite hands back naive UTC datetimes."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ConsoleSession(Base):
    """One signed-in browser of one agent."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")


class Invitation(Base):
    """A one-time link that lets a new agent set a password."""

    __tablename__ = "console_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    invited_by: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """Who changed what, when: one admin change.

    ``actor_label`` keeps the actor's e-mail address, so the entry still says
    who it was after that agent has been removed.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True
    )
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccountSetting(Base):
    """One account-wide setting (booking options and the like), stored as JSON."""

    __tablename__ = "account_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
