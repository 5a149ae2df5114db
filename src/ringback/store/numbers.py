"""Durable record of a business number's configuration.

The configuration is stored as the canonical JSON document of
``ringback.ivr.config.NumberConfig`` (``to_json``), keyed by the number in
E.164: the IVR reads it by primary key on every call, and the document's
shape is owned by one class instead of a column per field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base, utcnow


class NumberRecord(Base):
    """One business number (``e164``) and its ``NumberConfig`` document."""

    __tablename__ = "numbers"

    # E.164 is at most 15 digits after the "+".
    e164: Mapped[str] = mapped_column(String(16), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
