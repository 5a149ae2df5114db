"""The JSON API under /api/v1.

Conventions every endpoint keeps: ``Authorization: Bearer <token>``
(RINGBACK_API_TOKEN acts as the owner; agents have tokens of their own), 401
without it, 403 without permission, 422 with ``{"errors": {field: message}}``
on invalid input, 404 on unknown ids, never a stack trace.  The OpenAPI 3.1
document of it all is ``GET /api/v1/openapi.json`` (``ringback.api.openapi``),
the one route that needs no token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, request

from ringback.agents import AgentDirectory
from ringback.api.auth import authenticate
from ringback.api.errors import register_error_handlers
from ringback.errors import ValidationError
from ringback.services import Services


def services() -> Services:
    return current_app.extensions["ringback"]  # type: ignore[no-any-return]


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 422 naming the body."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object (Content-Type: application/json)"})
    return data


def create_api_blueprint() -> Blueprint:
    from ringback.api import (
        agents,
        callbacks,
        customers,
        metrics,
        numbers,
        offers,
        openapi,
        presence,
        queues,
        tickets,
    )

    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    register_error_handlers(bp)

    @bp.before_request
    def _authenticate() -> None:
        if request.endpoint == f"{bp.name}.{openapi.ENDPOINT}":
            return  # the API's description is public
        s = services()
        g.principal = authenticate(s.settings.api_token, AgentDirectory(s.db))

    agents.register(bp)
    tickets.register(bp)
    numbers.register(bp)
    queues.register(bp)
    callbacks.register(bp)
    metrics.register(bp)
    presence.register(bp)
    offers.register(bp)
    openapi.register(bp)
    customers.register(bp)
    return bp
