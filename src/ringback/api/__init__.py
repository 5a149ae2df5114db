"""The JSON API under /api/v1.

Conventions every endpoint keeps: ``Authorization: Bearer <token>``
(RINGBACK_API_TOKEN acts as the owner; agents have tokens of their own), 401
without it, 403 without permission, 422 with ``{"errors": {field: message}}``
on invalid input (``ringback.api.body`` checks what every request brings),
413 past the body limit, 404 on unknown ids, never a stack trace.  The OpenAPI
3.1 document of it all is ``GET /api/v1/openapi.json`` (``ringback.api.openapi``),
the one route that needs no token.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from flask.blueprints import BlueprintSetupState

from ringback.api.auth import authenticate
from ringback.api.body import RowIdConverter, check_path_and_query, json_body
from ringback.api.errors import register_error_handlers
from ringback.services import Services

__all__ = ["create_api_blueprint", "json_body", "services"]


def services() -> Services:
    return current_app.extensions["ringback"]  # type: ignore[no-any-return]


def _add_id_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("id", RowIdConverter)


def create_api_blueprint() -> Blueprint:
    from ringback.api import (
        agents,
        bookings,
        callbacks,
        customers,
        knowledge,
        metrics,
        numbers,
        offers,
        openapi,
        presence,
        queues,
        service_requests,
        ticket_settings,
        tickets,
        work_orders,
    )

    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    bp.record_once(_add_id_converter)  # before any route: the routes' <id:...> parts need it
    register_error_handlers(bp)

    @bp.before_request
    def _authenticate() -> None:
        if request.endpoint == f"{bp.name}.{openapi.ENDPOINT}":
            return  # the API's description is public
        s = services()
        g.principal = authenticate(s.settings.api_token, s.agents)
        check_path_and_query()

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
    ticket_settings.register(bp)
    bookings.register(bp)
    service_requests.register(bp)
    knowledge.register(bp)
    work_orders.register(bp)
    return bp
