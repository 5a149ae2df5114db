"""The helpdesk part of the OpenAPI document of /api/v1: tickets, articles,
history, counts, queue SLAs and agents' ticket queues (``api/tickets.py`` and
``api/ticket_settings.py`` write these shapes)."""

from __future__ import annotations

from typing import Any

from ringback.api.openapi_ops import PAGING, op, path_param, query
from ringback.api.openapi_schemas import TIME, ref
from ringback.store.tickets import ArticleKind, TicketState, TicketStatus
from ringback.tickets.business_hours import DAYS
from ringback.tickets.listing import SORTS

_PERMISSION = "tickets"
_TICKET_ID = path_param("ticket_id", "the ticket's id", "integer")
_QUEUE_ID = path_param("queue_id", "the queue's id")
_AGENT_ID = path_param("agent_id", "the agent's id", "integer")
_NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
_NULL_ID = {"type": ["integer", "null"]}
_STATES = [s.value for s in TicketState]
_ID_FILTER = "a whole number, or none for tickets without one"
_FILTERS = [
    query("state", "any of these states (repeat or comma-separate)"),
    query("queue", "any of these queues (repeat or comma-separate)"),
    query("my_queues", "true: only the calling agent's chosen queues", type="string",
          enum=["true", "false"]),
    query("owner_agent_id", f"owner: {_ID_FILTER}"),
    query("locked_by_agent_id", f"lock holder: {_ID_FILTER}"),
    query("customer_id", f"customer: {_ID_FILTER}"),
    query("customer_user_id", f"customer user: {_ID_FILTER}"),
    query("status", "only tickets in this coarse status", type="string",
          enum=[s.value for s in TicketStatus]),
    query("subject", "the whole subject, exactly (e.g. Callback)"),
    query("requester", "an E.164 number or e-mail address"),
    query("escalated", "true: some escalation time has passed", type="string",
          enum=["true", "false"]),
    query("reminder_due", "true: pending reminder whose time has come", type="string",
          enum=["true", "false"]),
]
_SPANS = {"type": "array", "items": {"type": "array", "items": {"type": "string",
                                                                 "pattern": "^[0-9]{2}:[0-9]{2}$"},
                                      "minItems": 2, "maxItems": 2}}
_MINUTES = {"type": ["integer", "null"], "minimum": 1, "maximum": 525_600}

TICKET_SCHEMAS: dict[str, Any] = {
    "Ticket": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": ["string", "null"], "description": "yyyymmdd + id"},
            "subject": {"type": "string"},
            "requester": {"type": "string", "description": "E.164 number or e-mail address"},
            "description": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in TicketStatus],
                       "description": "coarse status, derived from state"},
            "state": {"type": "string", "enum": _STATES},
            "queue": {"type": ["string", "null"]},
            "priority": {"type": "integer", "minimum": 1, "maximum": 5},
            "owner_agent_id": _NULL_ID,
            "locked_by_agent_id": _NULL_ID,
            "customer_id": _NULL_ID,
            "customer_user_id": _NULL_ID,
            "pending_until": _NULL_TIME,
            "first_response_at": _NULL_TIME,
            "first_response_due": _NULL_TIME,
            "update_due": _NULL_TIME,
            "solution_due": _NULL_TIME,
            "data": {"type": "object",
                     "description": "structured fields, e.g. a callback's attempts"},
            "created_at": TIME,
            "updated_at": TIME,
            "comments": {"type": "array", "items": ref("TicketComment"),
                         "description": "the articles; GET /tickets/{ticket_id} only, "
                                        "oldest first"},
        },
        "required": ["id", "number", "subject", "requester", "description", "status",
                     "state", "queue", "priority", "data", "created_at", "updated_at"],
    },
    "TicketComment": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": [k.value for k in ArticleKind]},
            "body": {"type": "string"},
            "internal": {"type": "boolean"},
            "author": {"type": ["string", "null"]},
            "author_agent_id": _NULL_ID,
            "created_at": TIME,
        },
        "required": ["id", "kind", "body", "internal", "author", "created_at"],
    },
    "TicketPage": {
        "type": "object",
        "properties": {"tickets": {"type": "array", "items": ref("Ticket")},
                       "total": {"type": "integer"}, "limit": {"type": "integer"},
                       "offset": {"type": "integer"}},
        "required": ["tickets", "total", "limit", "offset"],
    },
    "TicketChange": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "subject": {"type": "string", "maxLength": 200},
            "description": {"type": "string"},
            "requester": {"type": "string", "description": "POST only; may be left out "
                                                           "when customer_user_id is given"},
            "state": {"type": "string", "enum": _STATES},
            "pending_until": {**_NULL_TIME, "description": "needed by the pending states"},
            "queue": {"type": ["string", "null"]},
            "owner_agent_id": _NULL_ID,
            "priority": {"type": "integer", "minimum": 1, "maximum": 5},
            "customer_id": _NULL_ID,
            "customer_user_id": _NULL_ID,
        },
        "description": "POST needs subject; PATCH changes the fields given.",
    },
    "TicketArticle": {
        "type": "object", "additionalProperties": False,
        "properties": {"kind": {"type": "string", "enum": [k.value for k in ArticleKind]},
                       "body": {"type": "string"}, "internal": {"type": "boolean"}},
        "required": ["body"],
    },
    "TicketLock": {
        "type": "object",
        "properties": {"agent_id": {"type": "integer",
                                    "description": "the owner token names the agent"}},
    },
    "TicketCounts": {
        "type": "object",
        "properties": {"counts": {"type": "object", "properties": {
            s: {"type": "integer"} for s in _STATES}}},
        "required": ["counts"],
    },
    "TicketHistory": {
        "type": "object",
        "properties": {"history": {"type": "array", "items": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "field": {"type": "string"},
                           "old": {"type": ["string", "null"]},
                           "new": {"type": ["string", "null"]}, "agent_id": _NULL_ID,
                           "at": TIME},
            "required": ["id", "field", "old", "new", "agent_id", "at"]}}},
        "required": ["history"],
    },
    "QueueSla": {
        "type": "object",
        "properties": {
            "queue_id": {"type": "string"},
            "first_response_minutes": _MINUTES,
            "update_minutes": _MINUTES,
            "solution_minutes": _MINUTES,
            "time_zone": {"type": ["string", "null"], "description": "e.g. Europe/Berlin"},
            "business_hours": {"type": ["object", "null"],
                               "properties": {day: _SPANS for day in DAYS},
                               "additionalProperties": False,
                               "description": 'day -> [["08:00", "17:00"], ...]; '
                                              "null: round the clock"},
        },
        "description": "PUT replaces the whole SLA; minutes are business minutes when "
                       "business_hours are set.",
    },
    "TicketQueues": {
        "type": "object",
        "properties": {"agent_id": {"type": "integer"},
                       "queues": {"type": "array", "items": {"type": "string"},
                                  "maxItems": 100}},
        "required": ["queues"],
    },
}

TICKET_PATHS: dict[str, Any] = {
    "/tickets": {
        "get": op("listTickets", "Tickets, newest first unless sorted",
                  ("200", "A page of tickets", "TicketPage"), permission=_PERMISSION,
                  params=[*_FILTERS,
                          query("sort", "order: " + ", ".join(SORTS) + "; - for descending"),
                          *PAGING]),
        "post": op("createTicket", "Open a ticket (state new unless given)",
                   ("201", "The ticket", "Ticket"), permission=_PERMISSION,
                   body="TicketChange"),
    },
    "/tickets/counts": {
        "get": op("countTickets", "Tickets per state under the other filters",
                  ("200", "Every state with its count", "TicketCounts"),
                  permission=_PERMISSION, params=[p for p in _FILTERS if p["name"] != "state"]),
    },
    "/tickets/{ticket_id}": {
        "get": op("getTicket", "One ticket with its articles, oldest first",
                  ("200", "The ticket", "Ticket"), permission=_PERMISSION,
                  params=[_TICKET_ID]),
        "patch": op("updateTicket", "Change a ticket's fields",
                    ("200", "The ticket", "Ticket"), permission=_PERMISSION,
                    params=[_TICKET_ID], body="TicketChange", conflict=True,
                    description="409 while another agent holds the lock (admins may)."),
    },
    "/tickets/{ticket_id}/lock": {
        "post": op("lockTicket", "Lock a ticket while working on it",
                   ("200", "The ticket", "Ticket"), permission=_PERMISSION,
                   params=[_TICKET_ID], body="TicketLock", conflict=True),
    },
    "/tickets/{ticket_id}/unlock": {
        "post": op("unlockTicket", "Release a ticket's lock",
                   ("200", "The ticket", "Ticket"), permission=_PERMISSION,
                   params=[_TICKET_ID], conflict=True),
    },
    "/tickets/{ticket_id}/articles": {
        "post": op("addTicketArticle", "Add a phone call, e-mail or note",
                   ("201", "The article", "TicketComment"), permission=_PERMISSION,
                   params=[_TICKET_ID], body="TicketArticle", conflict=True),
    },
    "/tickets/{ticket_id}/history": {
        "get": op("getTicketHistory", "Every change of a ticket, oldest first",
                  ("200", "The history", "TicketHistory"), permission=_PERMISSION,
                  params=[_TICKET_ID]),
    },
    "/queues/{queue_id}/sla": {
        "get": op("getQueueSla", "A queue's ticket SLA (all null without one)",
                  ("200", "The SLA", "QueueSla"), permission="numbers", params=[_QUEUE_ID]),
        "put": op("putQueueSla", "Replace a queue's ticket SLA and business hours",
                  ("200", "The SLA", "QueueSla"), permission="numbers", params=[_QUEUE_ID],
                  body="QueueSla"),
        "delete": op("deleteQueueSla", "Remove a queue's ticket SLA",
                     ("204", "Removed", None), permission="numbers", params=[_QUEUE_ID]),
    },
    "/agents/{agent_id}/ticket-queues": {
        "get": op("getTicketQueues", "An agent's chosen queues for ticket views",
                  ("200", "The queues", "TicketQueues"), params=[_AGENT_ID],
                  permission="none for one's own; agents or live_queue for another's"),
        "put": op("putTicketQueues", "Choose the queues of one's ticket views",
                  ("200", "The queues", "TicketQueues"), params=[_AGENT_ID],
                  body="TicketQueues",
                  permission="none for oneself; agents for another agent"),
    },
}
TICKET_PATHS["/tickets/{ticket_id}/lock"]["post"]["requestBody"]["required"] = False
