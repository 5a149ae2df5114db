"""The people who work in ringback: agents, admins and the owner.

``AgentDirectory`` creates and finds agents, their API tokens and passwords;
tokens are stored as SHA-256 digests and passwords as scrypt hashes, so a
database dump does not hand out access.  It also keeps the account's rules
on people: at most ``MAX_AGENTS`` of them, one owner who cannot be changed
or removed, and nobody granting more than they hold.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringback.console.security import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from ringback.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ringback.parsing import row_id
from ringback.routing.endpoints import EndpointRules, parse_endpoint
from ringback.store.db import Database
from ringback.store.models import Agent, Permission, Role

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# What a new agent's document may hold; anything else is a typo to report.
AGENT_FIELDS = ("email", "name", "role", "permissions", "endpoint")

# Every person counts: the owner, admins and custom agents.
MAX_AGENTS = 50

# PostgreSQL advisory lock that serialises adding people, so two admins
# adding the 50th agent at once cannot end up with 51.
_SEATS_LOCK = 7165


class AgentLimitReached(Conflict):
    """The account already has ``MAX_AGENTS`` people."""

    def __init__(self) -> None:
        super().__init__(
            f"this account already has {MAX_AGENTS} agents, the most it may have; "
            "remove an agent before adding another"
        )


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
    def __init__(self, db: Database, *,
                 endpoint_rules: Callable[[], EndpointRules] | None = None) -> None:
        """``endpoint_rules`` gives the installation's toll-fraud rules for endpoints
        (``Services.endpoint_rules``); without it endpoints are checked by form only."""
        self._db = db
        self._endpoint_rules = endpoint_rules

    def endpoint_rules(self) -> EndpointRules | None:
        return self._endpoint_rules() if self._endpoint_rules is not None else None

    def create(self, payload: dict[str, Any], *, by: Principal | None = None) -> Agent:
        """A new admin or custom agent; ``by`` may grant only what it holds.
        Fields other than ``AGENT_FIELDS`` are refused, with every other problem."""
        unknown = {k: "is not a known field" for k in payload if k not in AGENT_FIELDS}
        try:
            fields = validate_agent(payload, self.endpoint_rules())
        except ValidationError as invalid:
            raise ValidationError({**invalid.errors, **unknown}) from None
        if unknown:
            raise ValidationError(unknown)
        if by is not None:
            check_grant(by, Role(fields["role"]), fields["permissions"])
        with self._db.session() as session:
            return self._add(session, fields)

    def create_owner(self, email: str, name: str, password: str) -> Agent:
        """The account's one owner, with a password; refused once an owner exists."""
        fields = validate_agent({"email": email, "name": name, "role": Role.ADMIN.value})
        fields["role"] = Role.OWNER.value
        fields["password_hash"] = hash_password(check_new_password(password))
        with self._db.session() as session:
            _lock_seats(session)
            if session.scalar(select(Agent.id).where(Agent.role == Role.OWNER.value)):
                raise Conflict("this account already has an owner")
            return self._add(session, fields)

    def _add(self, session: Session, fields: dict[str, Any]) -> Agent:
        _lock_seats(session)
        taken = session.scalar(select(Agent.id).where(Agent.email == fields["email"]))
        if taken is not None:
            raise ValidationError({"email": "is already used by another agent"})
        if (session.scalar(select(func.count(Agent.id))) or 0) >= MAX_AGENTS:
            raise AgentLimitReached()
        agent = Agent(**fields)
        session.add(agent)
        session.flush()
        return agent

    def update(self, agent_id: int, payload: dict[str, Any], *, by: Principal) -> Agent:
        """Change an agent's name, role or permissions (not the owner's, not one's own)."""
        with self._db.session() as session:
            agent = _get(session, agent_id)
            check_manage(by, agent)
            merged = {
                "email": agent.email,
                "name": payload.get("name", agent.name),
                "role": payload.get("role", agent.role),
                "permissions": payload.get("permissions", list(agent.permissions or [])),
                "endpoint": payload.get("endpoint"),
            }
            fields = validate_agent(merged, self.endpoint_rules())
            role = Role(fields["role"])
            if by.agent_id == agent.id and (
                role.value != agent.role or fields["permissions"] != sorted(agent.permissions or [])
            ):
                raise PermissionDenied("you cannot change your own role or permissions")
            check_grant(by, role, fields["permissions"])
            agent.name = fields["name"]
            agent.role = role.value
            agent.permissions = [] if role is not Role.CUSTOM else fields["permissions"]
            if "endpoint" in payload:
                agent.endpoint = fields.get("endpoint")
            return agent

    def set_endpoint(self, agent_id: int, endpoint: object, *, by: Principal) -> Agent:
        """Where the agent's calls ring (see ``ringback.routing.endpoints``); None clears
        it.  Agents set their own; changing someone else's follows the manage rules."""
        value = check_endpoint(endpoint, self.endpoint_rules())
        with self._db.session() as session:
            agent = _get(session, agent_id)
            if by.agent_id != agent.id:
                check_manage(by, agent)
            agent.endpoint = value
            return agent

    def removable(self, agent_id: int, *, by: Principal) -> Agent:
        """The agent ``by`` may remove; NotFound or PermissionDenied otherwise."""
        with self._db.session() as session:
            agent = _get(session, agent_id)
            _check_remove(by, agent)
            return agent

    def remove(self, agent_id: int, *, by: Principal) -> Agent:
        """Delete an agent with their sessions and invitations; the removed record.

        Only the SQL side: ``PresenceService.remove`` also takes the agent out of
        the queues first, and is what pages call."""
        with self._db.session() as session:
            agent = _get(session, agent_id)
            _check_remove(by, agent)
            session.delete(agent)
            return agent

    def count(self) -> int:
        with self._db.session() as session:
            return session.scalar(select(func.count(Agent.id))) or 0

    def owner_exists(self) -> bool:
        with self._db.session() as session:
            found = session.scalar(select(Agent.id).where(Agent.role == Role.OWNER.value))
            return found is not None

    def by_email(self, email: str) -> Agent | None:
        with self._db.session() as session:
            return session.scalar(select(Agent).where(Agent.email == email.strip().lower()))

    def set_password(self, agent_id: int, password: str) -> None:
        """Store a new password (checked against the password rules) as an scrypt hash."""
        digest = hash_password(check_new_password(password))
        with self._db.session() as session:
            _get(session, agent_id).password_hash = digest

    def check_password(self, email: str, password: str) -> Agent | None:
        """The agent whose e-mail and password these are, or None.

        Unknown addresses cost as much time as known ones; hashes made with
        older parameters are replaced on the way.
        """
        agent = self.by_email(email) if isinstance(email, str) else None
        if not verify_password(agent.password_hash if agent else None, password):
            return None
        assert agent is not None and agent.password_hash is not None
        if needs_rehash(agent.password_hash):
            self.set_password(agent.id, password)
        return agent

    def get(self, agent_id: int) -> Agent:
        with self._db.session() as session:
            return _get(session, agent_id)

    def all(self) -> list[Agent]:
        with self._db.session() as session:
            return list(session.scalars(select(Agent).order_by(Agent.id)))

    def issue_token(self, agent_id: int, *, by: Principal | None = None) -> str:
        """A new API token for the agent; the previous one stops working.

        ``by`` may only hand out a token that grants no more than it holds
        itself, so a token can never be a way to climb to more permissions.
        """
        token = "rbk_" + secrets.token_urlsafe(32)
        with self._db.session() as session:
            agent = _get(session, agent_id)
            if by is not None and by.agent_id != agent.id:
                check_manage(by, agent)
                check_grant(by, Role(agent.role), agent.permissions or [])
            agent.api_token_hash = token_digest(token)
        return token

    def by_token(self, token: str) -> Agent | None:
        with self._db.session() as session:
            return session.scalar(select(Agent).where(Agent.api_token_hash == token_digest(token)))


def validate_agent(payload: dict[str, Any],
                   endpoint_rules: EndpointRules | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    email = payload.get("email")
    if not isinstance(email, str) or not EMAIL.match(email.strip()):
        errors["email"] = "must be an e-mail address such as ana@example.com"
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors["name"] = "must be a non-empty text of at most 200 characters"
    role = payload.get("role", Role.CUSTOM.value)
    if not isinstance(role, str) or role not in {r.value for r in Role} - {Role.OWNER.value}:
        errors["role"] = "must be one of admin, custom"
    perms = payload.get("permissions", [])
    known = {p.value for p in Permission}
    if not isinstance(perms, list) or not all(isinstance(p, str) and p in known for p in perms):
        errors["permissions"] = "must be a list drawn from " + ", ".join(sorted(known))
    endpoint = None
    try:
        endpoint = check_endpoint(payload.get("endpoint"), endpoint_rules)
    except ValidationError as invalid:
        errors.update(invalid.errors)
    if errors:
        raise ValidationError(errors)
    fields = {
        "email": email.strip().lower(),  # type: ignore[union-attr]
        "name": name.strip(),  # type: ignore[union-attr]
        "role": role,
        "permissions": sorted(set(_strs(perms))),
    }
    if endpoint is not None:
        fields["endpoint"] = endpoint
    return fields


def check_endpoint(value: object, rules: EndpointRules | None = None) -> str | None:
    """An agent's endpoint in canonical form (E.164 past the toll-fraud guard,
    sip:user@host or client:identity), within ``rules`` if given; None or "" clears it."""
    if value is None or value == "":
        return None
    return str(parse_endpoint(value, rules=rules))


def check_grant(by: Principal, role: Role, permissions: Iterable[str]) -> None:
    """Owner and admins grant anything; a custom agent only custom roles with its own areas."""
    if by.role in (Role.OWNER, Role.ADMIN):
        return
    if role is not Role.CUSTOM:
        raise PermissionDenied("only the owner or an admin may make someone an admin")
    missing = {Permission(p) for p in permissions} - by.permissions
    if missing:
        names = ", ".join(sorted(p.value for p in missing))
        raise PermissionDenied(f"you may grant only areas you hold yourself, not {names}")


def check_manage(by: Principal, agent: Agent) -> None:
    """Nobody changes the owner; only the owner and admins change admins."""
    if agent.role == Role.OWNER.value:
        raise PermissionDenied("the owner cannot be changed or removed")
    if agent.role == Role.ADMIN.value and by.role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied("only the owner or an admin may change an admin")


def _check_remove(by: Principal, agent: Agent) -> None:
    check_manage(by, agent)
    if by.agent_id == agent.id:
        raise PermissionDenied("you cannot remove yourself")


def _get(session: Session, agent_id: int) -> Agent:
    """The agent, or NotFound (also for an id no row can have, such as 2**31)."""
    key = row_id(agent_id)
    agent = session.get(Agent, key) if key is not None else None
    if agent is None:
        raise NotFound("agent", agent_id)
    return agent


def _lock_seats(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_SEATS_LOCK)))


def _strs(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]
