"""The helpdesk outbox: every ticket, comment and call event bound for a helpdesk.

A row is written before anything is sent and stays until the helpdesk took
it, so a helpdesk that is down, refuses (4xx) or fails (5xx) loses nothing:
the row keeps its attempts and last error and is retried with backoff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base


class HelpdeskOutboxRow(Base):
    __tablename__ = "helpdesk_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(16))  # zendesk, znuny or cti
    kind: Mapped[str] = mapped_column(String(16))  # ticket, comment or event
    # Unique: the same ticket, comment or event is queued once, however often filed.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    # The built-in store's ticket this row mirrors (tickets and comments).
    local_ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    remote_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
