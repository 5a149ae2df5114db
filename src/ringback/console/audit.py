"""The audit log: who changed what, and when, among the account's admin settings.

Any part of ringback records its admin changes here (numbers, greetings,
agents, settings); admins read the log in the console.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ringback.clock import Clock
from ringback.store.console import AuditEntry, from_epoch
from ringback.store.db import Database
from ringback.store.models import Agent


class AuditAction(str, enum.Enum):
    """The changes the console itself records; other parts add their own strings."""

    OWNER_CREATED = "owner.created"
    AGENT_INVITED = "agent.invited"
    INVITATION_RESENT = "agent.invitation_resent"
    AGENT_CHANGED = "agent.changed"
    AGENT_REMOVED = "agent.removed"
    PASSWORD_SET = "account.password_set"
    PASSWORD_CHANGED = "account.password_changed"
    SETTINGS_CHANGED = "settings.changed"
    QUEUE_CHANGED = "queue.changed"
    QUEUE_ADDED = "queue.added"


@dataclass(frozen=True)
class Actor:
    """Who made a change: an agent, or a process such as the command line."""

    id: int | None
    label: str

    @classmethod
    def of(cls, agent: Agent) -> Actor:
        return cls(agent.id, agent.email)

    @classmethod
    def process(cls, name: str) -> Actor:
        return cls(None, name)


class AuditLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def record(
        self, actor: Actor, action: str, target: str = "", details: dict[str, Any] | None = None
    ) -> AuditEntry:
        entry = AuditEntry(
            at=from_epoch(self._clock.now()),
            actor_id=actor.id,
            actor_label=actor.label,
            action=str(action.value if isinstance(action, enum.Enum) else action),
            target=target[:300],
            details=details or {},
        )
        with self._db.session() as session:
            session.add(entry)
            session.flush()
        return entry

    def page(self, *, before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """The newest entries (older than ``before_id`` when paging back)."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        with self._db.session() as session:
            return list(session.scalars(query))
