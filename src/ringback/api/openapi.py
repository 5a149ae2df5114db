"""The OpenAPI 3.1 document of /api/v1, served at ``GET /api/v1/openapi.json``.

Maintained by hand beside the routes it describes (schemas in
``openapi_schemas``).  ``tests/test_openapi.py`` walks Flask's url_map and
fails when a route, a method, a path parameter or an error answer (401, 403,
404, 422 with ``{"errors": {...}}``) is missing here, so a new endpoint
cannot ship undocumented.  The document itself needs no token.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ringback.api.openapi_bookings import BOOKING_PATHS, BOOKING_SCHEMAS
from ringback.api.openapi_customers import CUSTOMER_PATHS, CUSTOMER_SCHEMAS
from ringback.api.openapi_knowledge import KB_PATHS, KB_SCHEMAS
from ringback.api.openapi_ops import PAGING, op, path_param, query
from ringback.api.openapi_schemas import RESPONSES, SCHEMAS, ref
from ringback.api.openapi_service_requests import REQUEST_PATHS, REQUEST_SCHEMAS
from ringback.api.openapi_tickets import TICKET_PATHS, TICKET_SCHEMAS
from ringback.api.openapi_work_orders import WORK_ORDER_PATHS, WORK_ORDER_SCHEMAS

OPENAPI_VERSION = "3.1.0"
PATH = "/openapi.json"
ENDPOINT = "openapi"  # the route's endpoint name in the api blueprint

AGENT_ID = path_param("agent_id", "the agent's id", "integer")
CALLBACK_ID = path_param("ref", "the callback's id, <queue_id>:<entry_id> (e.g. sales:a7)")

PATHS: dict[str, Any] = {
    "/agents": {
        "get": op("listAgents", "Every agent", ("200", "The agents", "AgentList"),
                   permission="agents"),
        "post": op("createAgent", "Add an agent", ("201", "The agent created", "Agent"),
                    permission="agents", body="NewAgent", description=(
                        "Creates an admin or a custom agent. The e-mail must be unused; "
                        "the endpoint, when given, must pass the toll-fraud guard.")),
    },
    "/agents/{agent_id}": {
        "get": op("getAgent", "One agent", ("200", "The agent", "Agent"),
                   permission="agents", params=[AGENT_ID]),
    },
    "/agents/{agent_id}/token": {
        "post": op("issueAgentToken", "Issue an agent an API token",
                    ("201", "The new token (replaces the old one)", "ApiToken"),
                    permission="agents", params=[AGENT_ID]),
    },
    "/agents/{agent_id}/presence": {
        "get": op("getPresence", "An agent's presence: state, queues, offer or call held",
                   ("200", "The presence", "Presence"), params=[AGENT_ID],
                   permission="none for one's own; agents or live_queue for another's"),
        "post": op("setPresence", "An agent goes available, away or logs out",
                    ("200", "The presence after the change (an offer may already show)",
                     "Presence"), params=[AGENT_ID], body="PresenceChange", conflict=True,
                    permission="none for oneself; agents for another agent"),
    },
    "/agents/{agent_id}/endpoint": {
        "put": op("setEndpoint", "Set or clear where the agent's calls ring",
                   ("200", "The agent", "Agent"), params=[AGENT_ID], body="EndpointChange",
                   permission="none for oneself; agents for another agent"),
    },
    "/agents/{agent_id}/softphone-token": {
        "get": op("getSoftphoneToken", "An access token for the browser softphone",
                   ("200", "The token", "SoftphoneToken"), params=[AGENT_ID],
                   permission="only the agent's own token"),
    },
    "/callbacks": {
        "get": op("listCallbacks", "Callbacks, newest request first",
                   ("200", "A page of callbacks", "CallbackPage"), permission="callbacks",
                   params=[query("state", "only callbacks in this stored state",
                                  type="string",
                                  enum=["requested", "dialing", "connected", "no_answer",
                                        "busy", "failed", "done", "expired"]),
                           query("queue", "only callbacks of this queue"), *PAGING],
                   description="A callback is listed from the moment the caller asks, "
                               "as GET /callbacks/{ref} shows it."),
    },
    "/callbacks/{ref}": {
        "get": op("getCallback", "One callback with its attempts",
                   ("200", "The callback", "Callback"), permission="callbacks",
                   params=[CALLBACK_ID]),
    },
    "/callbacks/{ref}/call": {
        "post": op("callCallback", "Call the customer back (agent first)",
                    ("202", "Accepted: the call is being placed", "Callback"),
                    permission="callbacks", params=[CALLBACK_ID], body="ActingAgent",
                    conflict=True, description=(
                        "Exactly one agent wins a callback; a second Call by the same agent "
                        "changes nothing. The agent needs an endpoint (422 otherwise).")),
    },
    "/callbacks/{ref}/decline": {
        "post": op("declineCallback", "Pass on a callback; it keeps its place",
                    ("200", "The callback", "Callback"), permission="callbacks",
                    params=[CALLBACK_ID], body="ActingAgent", conflict=True),
    },
    "/offers/{offer_id}/accept": {
        "post": op("acceptOffer", "Accept the live caller or callback offered",
                    ("202", "The offer, accepted", "Offer"), body="ActingAgent",
                    params=[path_param("offer_id", "the entry ref <queue_id>:<entry_id>")],
                    conflict=True,
                    permission="live_queue for a live caller, callbacks for a callback"),
    },
    "/offers/{offer_id}/reject": {
        "post": op("rejectOffer", "Reject an offer; the entry keeps its place",
                    ("200", "The entry, offered on", "Offer"), body="ActingAgent",
                    params=[path_param("offer_id", "the entry ref <queue_id>:<entry_id>")],
                    conflict=True,
                    permission="live_queue for a live caller, callbacks for a callback"),
    },
    "/metrics": {
        "get": op("getMetrics", "Callback figures per business number and overall",
                   ("200", "The figures of [from, to)", "Metrics"), permission="reports",
                   params=[query("from", "start; default 24 hours before to",
                                  type="string", format="date-time"),
                           query("to", "end; default now", type="string",
                                  format="date-time")]),
    },
    "/numbers": {
        "get": op("listNumbers", "Every business number's configuration",
                   ("200", "The numbers", "NumberList"), permission="numbers"),
    },
    "/numbers/{e164}": {
        "get": op("getNumber", "A number's configuration", ("200", "The number", "Number"),
                   permission="numbers", params=[path_param("e164", "the number, E.164")]),
        "put": op("putNumber", "Create (201) or replace (200) a number's configuration",
                   ("200", "Replaced", "Number"), permission="numbers", body="Number",
                   params=[path_param("e164", "the number, E.164")],
                   description="Every problem of the body is reported at once (422)."),
        "delete": op("deleteNumber", "Remove a number: its calls hear 'not in service'",
                      ("204", "Removed", None), permission="numbers",
                      params=[path_param("e164", "the number, E.164")]),
    },
    "/queues/{queue_id}": {
        "get": op("getQueue", "A queue's limits (defaults when never configured)",
                   ("200", "The queue", "Queue"), permission="numbers",
                   params=[path_param("queue_id", "the queue's id")]),
        "put": op("putQueue", "Replace a queue's limits", ("200", "The queue", "Queue"),
                   permission="numbers", body="Queue",
                   params=[path_param("queue_id", "the queue's id")]),
    },
    PATH: {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI 3.1 document of /api/v1",
                                  "content": {"application/json": {
                                      "schema": {"type": "object"}}}}},
        },
    },
}
# PUT /numbers/{e164} answers 201 when it created the number.
PATHS["/numbers/{e164}"]["put"]["responses"]["201"] = {
    "description": "Created", "content": {"application/json": {"schema": ref("Number")}}}


def document() -> dict[str, Any]:
    """The whole document, a fresh copy for each caller."""
    return copy.deepcopy({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "ringback API",
            "version": "1",
            "description": (
                "The JSON API of ringback. Send Authorization: Bearer <token>: "
                "RINGBACK_API_TOKEN acts as the owner; agents have tokens of their own "
                "(POST /agents/{agent_id}/token). Errors answer {\"error\": \"...\"}; "
                "invalid input answers 422 with {\"errors\": {field: rule}}."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {**PATHS, **CUSTOMER_PATHS, **TICKET_PATHS, **BOOKING_PATHS, **REQUEST_PATHS,
                  **KB_PATHS, **WORK_ORDER_PATHS},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **CUSTOMER_SCHEMAS, **TICKET_SCHEMAS, **BOOKING_SCHEMAS,
                        **REQUEST_SCHEMAS, **KB_SCHEMAS, **WORK_ORDER_SCHEMAS},
            "responses": RESPONSES,
        },
    })


def register(bp: Blueprint) -> None:
    @bp.get(PATH, endpoint=ENDPOINT)
    def openapi() -> ResponseReturnValue:
        return jsonify(document())
