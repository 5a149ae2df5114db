"""The people who work in ringback: agents, admins and the owner.

``AgentDirectory`` creates and finds agents and their API tokens; tokens are
stored as SHA-256 digests, so a database dump does not hand out access.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ringback.errors import NotFound, ValidationError
from ringback.store.db import Database
from ringback.store.models import Agent, Permission, Role

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Principal:
    """Who is asking: the owner token, or an agent."""

    role: Role
    permissions: frozenset[Permission]
    agent_id: int | None = None

    @classmethod
    def owner(cls) -> Principal:
        return cls(Role.OWNER, frozenset(Permission))

    @classmethod
    def of(cls, agent: Agent) -> Principal:
        role = Role(agent.role)
        if role in (Role.OWNER, Role.ADMIN):
            perms = frozenset(Permission)
        else:
            perms = frozenset(Permission(p) for p in agent.permissions or [])
        return cls(role, perms, agent.id)

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agent_json(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "email": agent.email,
        "name": agent.name,
        "role": agent.role,
        "permissions": sorted(agent.permissions or []),
        "endpoint": agent.endpoint,
    }


class AgentDirectory:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, payload: dict[str, Any]) -> Agent:
        fields = validate_agent(payload)
        with self._db.session() as session:
            taken = session.scalar(select(Agent.id).where(Agent.email == fields["email"]))
            if taken is not None:
                raise ValidationError({"email": "is already used by another agent"})
            agent = Agent(**fields)
            session.add(agent)
            session.flush()
            return agent

    def get(self, agent_id: int) -> Agent:
        with self._db.session() as session:
            agent = session.get(Agent, agent_id)
            if agent is None:
                raise NotFound("agent", agent_id)
            return agent

    def all(self) -> list[Agent]:
        with self._db.session() as session:
            return list(session.scalars(select(Agent).order_by(Agent.id)))

    def issue_token(self, agent_id: int) -> str:
        """A new API token for the agent; the previous one stops working."""
        token = "rbk_" + secrets.token_urlsafe(32)
        with self._db.session() as session:
            agent = session.get(Agent, agent_id)
            if agent is None:
                raise NotFound("agent", agent_id)
            agent.api_token_hash = token_digest(token)
        return token

    def by_token(self, token: str) -> Agent | None:
        with self._db.session() as session:
            return session.scalar(select(Agent).where(Agent.api_token_hash == token_digest(token)))


def validate_agent(payload: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    email = payload.get("email")
    if not isinstance(email, str) or not EMAIL.match(email.strip()):
        errors["email"] = "must be an e-mail address such as ana@example.com"
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors["name"] = "must be a non-empty text of at most 200 characters"
    role = payload.get("role", Role.CUSTOM.value)
    if role not in {r.value for r in Role} - {Role.OWNER.value}:
        errors["role"] = "must be one of admin, custom"
    perms = payload.get("permissions", [])
    known = {p.value for p in Permission}
    if not isinstance(perms, list) or not all(isinstance(p, str) and p in known for p in perms):
        errors["permissions"] = "must be a list drawn from " + ", ".join(sorted(known))
    if errors:
        raise ValidationError(errors)
    return {
        "email": email.strip().lower(),  # type: ignore[union-attr]
        "name": name.strip(),  # type: ignore[union-attr]
        "role": role,
        "permissions": sorted(set(_strs(perms))),
    }


def _strs(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]
