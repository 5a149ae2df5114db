"""Durable records of calls taken by agents, for the customer user's timeline.

A queue entry lives in Redis only while it waits; once an agent takes a live
call or a callback, one row here keeps who called (in E.164), where and who
answered, so every agent sees the same call history of a customer user.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base


class CustomerCall(Base):
    """One call (live or callback) an agent took."""

    __tablename__ = "customer_calls"
    __table_args__ = (UniqueConstraint("call_ref", "agent_id",
                                       name="uq_customer_calls_call_ref_agent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    e164: Mapped[str] = mapped_column(String(16), index=True)
    call_ref: Mapped[str] = mapped_column(String(200))  # the queue entry, e.g. support:<id>
    kind: Mapped[str] = mapped_column(String(16))  # live or callback
    queue_id: Mapped[str] = mapped_column(String(64))
    intent: Mapped[str] = mapped_column(String(20))
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agent_name: Mapped[str] = mapped_column(String(200), default="")
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
