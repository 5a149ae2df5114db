"""Durable records of customers (companies), their people and their phone numbers.

A customer user's numbers live in a table of their own, stored in E.164, so
finding who is calling is one indexed equality query on ``e164`` however the
number was written when it was entered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringback.store.models import Base, utcnow

MAX_NAME = 200
MAX_EMAIL = 254


class Customer(Base):
    """A company (or household) that calls the business."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), index=True)
    email: Mapped[str | None] = mapped_column(String(MAX_EMAIL), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class CustomerUser(Base):
    """A person of one customer; the screen pop shows them when they call."""

    __tablename__ = "customer_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), index=True)
    email: Mapped[str | None] = mapped_column(String(MAX_EMAIL), nullable=True, index=True)
    # Set: a customer created inside one location (the booking bridge), who never
    # appears in the call centre; unset: a customer every location shares.
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    customer: Mapped[Customer] = relationship(lazy="joined")
    phones: Mapped[list[CustomerUserPhone]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CustomerUserPhone.id"
    )


class CustomerUserPhone(Base):
    """One phone number of a customer user, in E.164."""

    __tablename__ = "customer_user_phones"
    __table_args__ = (UniqueConstraint("customer_user_id", "e164",
                                       name="uq_customer_user_phones_user_e164"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_user_id: Mapped[int] = mapped_column(
        ForeignKey("customer_users.id", ondelete="CASCADE")
    )
    # E.164 is at most 15 digits after the "+".
    e164: Mapped[str] = mapped_column(String(16), index=True)
