"""Durable records of the problem-code tree and of work orders.

The tree is department > service provider > service category (``problem_nodes``,
one table, the level on each row); a problem code hangs under a category and
carries the template a work order copies when it is created: the tasks, the
estimated duration, the priority and the crew.  A work order keeps its own
copy, so a later change of the template leaves existing work orders as they
were.  Every state change of a work order is one row of its history.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base

MAX_NAME = 200
MAX_CODE = 20
MAX_ADDRESS = 300
MAX_NOTE = 2000


class NodeLevel(str, enum.Enum):
    """The three levels of the tree above a problem code, top down."""

    DEPARTMENT = "department"
    PROVIDER = "provider"
    CATEGORY = "category"


class WorkOrderState(str, enum.Enum):
    WAITING_APPROVAL = "waiting_approval"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"


class ProblemNode(Base):
    """A department, service provider or service category."""

    __tablename__ = "problem_nodes"
    # Departments have no parent; SQL lets NULLs repeat in a unique key, so the
    # domain checks their names too (``ProblemCodes``).
    __table_args__ = (UniqueConstraint("parent_id", "name",
                                       name="uq_problem_nodes_parent_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("problem_nodes.id"), nullable=True, index=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(MAX_NAME))


class ProblemCode(Base):
    """A problem callers report, with the template of the work order it needs."""

    __tablename__ = "problem_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("problem_nodes.id"), index=True)
    code: Mapped[str] = mapped_column(String(MAX_CODE), unique=True)  # e.g. SW-APPL
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    tasks: Mapped[list[str]] = mapped_column(JSON)
    estimated_minutes: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)  # 1 lowest .. 5 highest
    crew: Mapped[str] = mapped_column(String(MAX_NAME))  # the crew or queue it goes to


class WorkOrder(Base):
    """Work to be done at one place, made from a problem code's template."""

    __tablename__ = "work_orders"
    __table_args__ = (
        # open_near: the same problem at the same address, or near the same point.
        Index("ix_work_orders_code_address", "problem_code_id", "address_key"),
        Index("ix_work_orders_code_latitude", "problem_code_id", "latitude"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # WO-000042: set from the id in the unit of work that creates the row.
    number: Mapped[str | None] = mapped_column(String(20), unique=True, nullable=True)
    problem_code_id: Mapped[int] = mapped_column(
        ForeignKey("problem_codes.id"))
    tasks: Mapped[list[str]] = mapped_column(JSON)
    estimated_minutes: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    crew: Mapped[str] = mapped_column(String(MAX_NAME))
    address: Mapped[str] = mapped_column(String(MAX_ADDRESS))
    address_key: Mapped[str] = mapped_column(String(MAX_ADDRESS))  # normalised, for matching
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # agent id
    # The external system's reference, once the work-order webhook answered with one.
    external_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkOrderHistory(Base):
    """One state change (the first row: created, from no state)."""

    __tablename__ = "work_order_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str] = mapped_column(String(20))
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def template_of(code: ProblemCode) -> dict[str, Any]:
    """The fields a work order copies from its problem code."""
    return {"tasks": list(code.tasks), "estimated_minutes": code.estimated_minutes,
            "priority": code.priority, "crew": code.crew}
