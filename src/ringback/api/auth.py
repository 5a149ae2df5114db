"""Bearer-token authentication and permission checks for /api/v1."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from ringback.agents import AgentDirectory, Principal
from ringback.api.body import json_document
from ringback.api.errors import Unauthorized
from ringback.errors import PermissionDenied, ValidationError
from ringback.parsing import MAX_ROW_ID, row_id
from ringback.store.models import Permission

F = TypeVar("F", bound=Callable[..., Any])


def authenticate(owner_token: str | None, agents: AgentDirectory) -> Principal:
    """The principal behind the request's bearer token, or Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("send Authorization: Bearer <token>")
    if owner_token and hmac.compare_digest(token.encode(), owner_token.encode()):
        return Principal.owner()
    agent = agents.by_token(token)
    if agent is None:
        raise Unauthorized("the bearer token is not valid")
    return Principal.of(agent)


def current_principal() -> Principal:
    return g.principal  # type: ignore[no-any-return]


def requires(permission: Permission) -> Callable[[F], F]:
    """Refuse the request with 403 unless the principal holds ``permission``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_principal().may(permission):
                raise PermissionDenied(f"this needs the {permission.value} permission")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def acting_agent() -> int:
    """The agent behind the token; the owner token names one in the body."""
    principal = current_principal()
    body = json_document()
    named = body.get("agent_id") if isinstance(body, dict) else None
    if principal.agent_id is not None:
        if named is not None and named != principal.agent_id:
            raise PermissionDenied("only the owner token may act for another agent")
        return principal.agent_id
    if type(named) is not int or row_id(named) is None:
        raise ValidationError({"agent_id": "must name the agent (a whole number from 1 to "
                                           f"{MAX_ROW_ID}) when the owner token calls"})
    return named
