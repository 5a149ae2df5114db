"""The history of a ticket: one row per changed field, with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ringback.store.tickets import Ticket, TicketHistory, TicketState
from ringback.tickets.rows import utc


@dataclass(frozen=True)
class HistoryRecord:
    """One change as read back; values are text (times in ISO 8601, UTC)."""

    id: int
    field: str
    old: str | None
    new: str | None
    agent_id: int | None
    at: datetime


class FieldChanges:
    """Sets fields of one ticket in a unit of work and writes a history row for each
    that changed; ``touch`` moves ``updated_at`` when anything did."""

    def __init__(self, session: Session, ticket: Ticket, agent_id: int | None,
                 now: datetime) -> None:
        self._session = session
        self._ticket = ticket
        self._agent_id = agent_id
        self._now = now
        self.changed = False

    def set(self, name: str, value: Any) -> None:
        old = getattr(self._ticket, name)
        if _text(old) == _text(value):
            return
        setattr(self._ticket, name, value)
        self.add(name, _text(old), _text(value))

    def add(self, name: str, old: str | None, new: str | None) -> None:
        self._session.add(TicketHistory(ticket_id=self._ticket.id, field=name, old_value=old,
                                        new_value=new, agent_id=self._agent_id,
                                        created_at=self._now))
        self.changed = True

    def touch(self) -> None:
        if self.changed:
            self._ticket.updated_at = self._now


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, TicketState):
        return value.value
    return str(value)
