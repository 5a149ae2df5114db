"""Durable records of the booking bridge: locations, services, resources,
their hours and exceptions, and bookings.

Times of day (weekly hours, exceptions) are minutes after local midnight in
the location's time zone; a booking's start and end are instants (UTC).
A booking holds one part per single service it is made of, each on one
resource; the parts are what may never overlap on a resource: on
PostgreSQL an exclusion constraint over ``tstzrange(starts_at, ends_at)``
of the active parts guarantees it (migration 0015), on SQLite the booking
service serialises writers (``Resource.bookings_version``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringback.store.models import Base, utcnow

MAX_NAME = 200
MAX_ADDRESS = 500
MAX_NOTE = 2000
MAX_TIME_ZONE = 64
MINUTES_PER_DAY = 24 * 60


class ServiceKind(str, enum.Enum):
    SINGLE = "single"
    COMBINED = "combined"


class ResourceKind(str, enum.Enum):
    STAFF = "staff"
    ROOM = "room"


class HoursKind(str, enum.Enum):
    """Working hours, or the (usually narrower) hours open to online booking."""

    WORKING = "working"
    ONLINE = "online"


class ExceptionKind(str, enum.Enum):
    """A dated change to a resource's weekly hours: closed (all day, or a span)
    or extra hours."""

    CLOSED = "closed"
    EXTRA = "extra"


class BookingStatus(str, enum.Enum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Location(Base):
    """A place of the business where customers are served."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), unique=True)
    address: Mapped[str] = mapped_column(String(MAX_ADDRESS), default="")
    time_zone: Mapped[str] = mapped_column(String(MAX_TIME_ZONE))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Service(Base):
    """What a customer books. ``location_id`` set: local to that location (never
    offered by the call centre); unset: global. A combined service is its
    parts (single services) in order, back to back; its duration is theirs."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    kind: Mapped[str] = mapped_column(String(16), default=ServiceKind.SINGLE.value)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parts: Mapped[list[ServicePart]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ServicePart.position",
        foreign_keys="ServicePart.service_id")
    offered_at: Mapped[list[ServiceLocation]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ServiceLocation.location_id")

    @property
    def location_ids(self) -> list[int]:
        return [row.location_id for row in self.offered_at]

    @property
    def part_ids(self) -> list[int]:
        return [row.part_id for row in self.parts]


class ServicePart(Base):
    """One single service of a combined one, at its position (0, 1, ...)."""

    __tablename__ = "service_parts"
    __table_args__ = (UniqueConstraint("service_id", "position",
                                       name="uq_service_parts_service_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    part_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)


class ServiceLocation(Base):
    """A location that offers a service."""

    __tablename__ = "service_locations"
    __table_args__ = (UniqueConstraint("service_id", "location_id",
                                       name="uq_service_locations_service_location"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True)


class Resource(Base):
    """A member of staff or a room of one location; each booking part takes one."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    kind: Mapped[str] = mapped_column(String(16), default=ResourceKind.STAFF.value)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # The secret of the resource's calendar feed URL (``/calendar/<token>.ics``).
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Bumped by every booking change on this resource: on SQLite writing it first
    # takes the database's write lock, which serialises two agents' bookings.
    bookings_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    hours: Mapped[list[ResourceHours]] = relationship(
        lazy="selectin", cascade="all, delete-orphan",
        order_by="(ResourceHours.kind, ResourceHours.weekday, ResourceHours.start_minute)")
    exceptions: Mapped[list[ResourceException]] = relationship(
        lazy="selectin", cascade="all, delete-orphan",
        order_by="(ResourceException.day, ResourceException.start_minute)")


class ResourceHours(Base):
    """One span of a weekday (0 = Monday) in working or online booking hours."""

    __tablename__ = "resource_hours"
    __table_args__ = (
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 "
                        "AND start_minute < end_minute", name="span"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class ResourceException(Base):
    """A dated exception: closed (the whole day when no span is given) or extra hours.
    It changes working and online booking hours alike."""

    __tablename__ = "resource_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    start_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(String(MAX_NAME), default="")


class Booking(Base):
    """An appointment of one customer user for one service at one location."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_user_id: Mapped[int] = mapped_column(
        ForeignKey("customer_users.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(MAX_NOTE), default="")
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.BOOKED.value)
    booked_by_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    # The call it was made in: the queue entry (live call or callback) the agent took.
    call_ref: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    parts: Mapped[list[BookingPart]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="BookingPart.starts_at")


class BookingPart(Base):
    """The time one resource is taken by a booking; ``active`` until it is cancelled."""

    __tablename__ = "booking_parts"
    __table_args__ = (Index("ix_booking_parts_resource_starts", "resource_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"),
                                            index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
