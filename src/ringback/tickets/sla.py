"""A queue's service-level agreement for tickets, and the escalation times it sets.

Per queue, minutes until the first response, between updates and until the
solution, counted in the queue's business hours when it has them (see
``business_hours``).  A queue without an SLA sets no escalation times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ringback.clock import Clock
from ringback.errors import NotFound, ValidationError
from ringback.ivr import config_rules
from ringback.store.console import from_epoch
from ringback.store.db import Database
from ringback.store.tickets import QueueSlaRecord
from ringback.tickets.business_hours import BusinessHours, add_time

SLA_FIELDS = ("first_response_minutes", "update_minutes", "solution_minutes", "time_zone",
              "business_hours")
MAX_MINUTES = 525_600  # a year


@dataclass(frozen=True)
class QueueSla:
    """Minutes to each escalation (None: that one is not timed) and the hours they run in."""

    first_response_minutes: int | None = None
    update_minutes: int | None = None
    solution_minutes: int | None = None
    hours: BusinessHours | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> QueueSla:
        """From the API's body; fields left out are not timed; every bad field named."""
        errors = {name: "is not a known field" for name in body if name not in SLA_FIELDS}
        minutes: dict[str, int | None] = {}
        for name in SLA_FIELDS[:3]:
            value = body.get(name)
            if value is not None and (type(value) is not int or not 1 <= value <= MAX_MINUTES):
                errors[name] = f"must be a whole number of minutes from 1 to {MAX_MINUTES}, " \
                               "or null"
            minutes[name] = value if type(value) is int else None
        hours = None
        if body.get("business_hours") is not None:
            try:
                hours = BusinessHours.from_json(body.get("time_zone"), body["business_hours"])
            except ValidationError as invalid:
                errors.update(invalid.errors)
        elif body.get("time_zone") is not None:
            errors["time_zone"] = "is only used with business_hours"
        if errors:
            raise ValidationError(errors)
        return cls(**minutes, hours=hours)

    def to_json(self) -> dict[str, Any]:
        return {
            "first_response_minutes": self.first_response_minutes,
            "update_minutes": self.update_minutes,
            "solution_minutes": self.solution_minutes,
            "time_zone": self.hours.time_zone if self.hours else None,
            "business_hours": self.hours.to_json() if self.hours else None,
        }

    def due(self, minutes: int | None, start: datetime) -> datetime | None:
        """When an escalation of ``minutes`` started at ``start`` falls due."""
        return None if minutes is None else add_time(start, minutes, self.hours)


NO_SLA = QueueSla()


class QueueSlas:
    """The SLA of each queue, in SQL (table ``queue_slas``)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def get(self, queue_id: str | None) -> QueueSla:
        """The queue's SLA; NO_SLA for a queue without one (or no queue)."""
        if not queue_id:
            return NO_SLA
        with self._db.session() as session:
            row = session.get(QueueSlaRecord, queue_id)
            return NO_SLA if row is None else _sla(row)

    def put(self, queue_id: str, sla: QueueSla) -> QueueSla:
        check_queue_id("queue_id", queue_id)
        with self._db.session() as session:
            row = session.get(QueueSlaRecord, queue_id) or QueueSlaRecord(queue_id=queue_id)
            row.first_response_minutes = sla.first_response_minutes
            row.update_minutes = sla.update_minutes
            row.solution_minutes = sla.solution_minutes
            row.time_zone = sla.hours.time_zone if sla.hours else None
            row.business_hours = sla.hours.to_json() if sla.hours else None
            row.updated_at = from_epoch(self._clock.now())
            session.add(row)
        return sla

    def delete(self, queue_id: str) -> None:
        check_queue_id("queue_id", queue_id)
        with self._db.session() as session:
            row = session.get(QueueSlaRecord, queue_id)
            if row is None:
                raise NotFound("queue SLA", queue_id)
            session.delete(row)

    def configured(self) -> list[str]:
        with self._db.session() as session:
            return list(session.scalars(select(QueueSlaRecord.queue_id)
                                        .order_by(QueueSlaRecord.queue_id)))


def check_queue_id(name: str, value: object) -> str:
    """The rule numbers use for queue ids, named ``name`` in the error."""
    problems = config_rules.Problems()
    config_rules.queue_id(problems, name, value)
    problems.raise_if_any()
    return str(value)


def _sla(row: QueueSlaRecord) -> QueueSla:
    hours = None
    if row.business_hours:
        hours = BusinessHours.from_json(row.time_zone or "UTC", row.business_hours)
    return QueueSla(row.first_response_minutes, row.update_minutes, row.solution_minutes,
                    hours)
