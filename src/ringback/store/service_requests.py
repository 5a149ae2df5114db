"""Durable records of call-centre requests: one row per contact, logged as it happens.

A request is saved the moment the agent presses Save, before its details, so
a dropped call still leaves a logged contact (``complete`` is then false).
Its type decides what completing it needs (``ringback.service_requests.rules``).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base, utcnow

MAX_DESCRIPTION = 5000
MAX_ADDRESS = 300


class RequestType(str, enum.Enum):
    INFORMATION = "information"
    ACTION = "action"
    REMARK = "remark"


class Channel(str, enum.Enum):
    PHONE = "phone"
    EMAIL = "email"
    FAX = "fax"
    WALK_IN = "walk_in"


class ServiceRequest(Base):
    """One contact: who, how, about what, and what came of it."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_users.id", ondelete="SET NULL"), nullable=True, index=True)
    caller_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True, index=True)
    # The live call or callback this contact came from, and its queue.
    call_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    queue_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    problem_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("problem_codes.id", ondelete="SET NULL"), nullable=True, index=True)
    address: Mapped[str] = mapped_column(String(MAX_ADDRESS), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_orders.id", ondelete="SET NULL"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ServiceRequestArticle(Base):
    """A knowledge-base article the agent used to answer an information request."""

    __tablename__ = "service_request_articles"
    __table_args__ = (UniqueConstraint("request_id", "article_id",
                                       name="uq_service_request_articles_request_article"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)


class ServiceRequestHistory(Base):
    """One change of a request: logged, type changed, completed, linked to a work order."""

    __tablename__ = "service_request_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    old: Mapped[str] = mapped_column(String(200), default="")
    new: Mapped[str] = mapped_column(String(200), default="")
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
