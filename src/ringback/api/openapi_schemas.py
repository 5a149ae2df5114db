"""The components of the OpenAPI document of /api/v1: schemas and shared answers.

Kept next to the code that writes each shape (``agent_json``, ``callback_json``,
``presence_json``, ...); ``tests/test_openapi.py`` checks the document against
the routes and real answers against these schemas.
"""

from __future__ import annotations

from typing import Any

from ringback.queue.models import EntryKind, EntryState, Intent
from ringback.store.callbacks import AttemptOutcome, CallbackState
from ringback.store.models import Permission, Role


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **more: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **more}


def _obj(properties: dict[str, Any], *, required: tuple[str, ...] | None = None,
         description: str | None = None) -> dict[str, Any]:
    """An object whose fields are all present unless ``required`` names fewer."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
    }
    if description:
        schema["description"] = description
    return schema


def _enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [v.value for v in values]}


TIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601"}
NULL_TIME = {"type": ["string", "null"], "format": "date-time", "description": "UTC, ISO 8601"}
E164 = {"type": "string", "pattern": r"^\+[1-9][0-9]{1,14}$", "description": "E.164"}
ENDPOINT = {
    "type": ["string", "null"],
    "description": "where the agent's calls ring: an E.164 number, sip:user@host or "
                   "client:identity",
}
PERMISSIONS = {"type": "array", "items": _enum(Permission), "uniqueItems": True}

ERROR = _obj({"error": {"type": "string", "description": "what went wrong, in words"}},
             description="Every error but invalid input: 401, 403, 404, 409, 500.")
VALIDATION_ERRORS = _obj(
    {"errors": {"type": "object", "minProperties": 1,
                "additionalProperties": {"type": "string"},
                "description": "field name -> the rule it broke"}},
    description="422: every invalid field of the request, each with its rule.",
)

AGENT = _obj({
    "id": {"type": "integer"},
    "email": {"type": "string", "format": "email"},
    "name": {"type": "string"},
    "role": _enum(Role),
    "permissions": PERMISSIONS,
    "endpoint": ENDPOINT,
})
NEW_AGENT = _obj({
    "email": {"type": "string", "format": "email", "description": "unique among agents"},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "role": {"type": "string", "enum": ["admin", "custom"], "default": "custom"},
    "permissions": {**PERMISSIONS, "default": [],
                    "description": "the areas of a custom role; admins hold all"},
    "endpoint": ENDPOINT,
}, required=("email", "name"), description=(
    "A caller may grant only what it holds: the owner and admins anything, a custom "
    "agent (with the agents permission) custom roles within its own permissions."))

OFFER = _obj({
    "id": {"type": "string", "description": "the entry ref <queue_id>:<entry_id>"},
    "queue": {"type": "string"},
    "kind": _enum(EntryKind),
    "state": _enum(EntryState),
    "agent_id": {"type": ["integer", "string", "null"]},
    "caller_number": _nullable("string"),
    "callback_number": _nullable("string"),
    "number_dialled": _nullable("string"),
    "language": _nullable("string"),
    "intent": _enum(Intent),
    "position": _nullable("integer"),
    "wait_seconds": {"type": "number"},
    "deadline": NULL_TIME,
})
PRESENCE = _obj({
    "agent_id": {"type": "integer"},
    "state": {"type": "string", "enum": ["available", "away", "logged_out", "offered", "busy",
                                         "wrap_up", "missed"]},
    "queues": {"type": "array", "items": {"type": "string"}},
    "idle_since": NULL_TIME,
    "wrap_up_until": NULL_TIME,
    "away_since": NULL_TIME,
    "missed": {"oneOf": [{"type": "null"}, _obj({
        "offer": _nullable("string"), "reason": _nullable("string"), "at": NULL_TIME})]},
    "offer": {"oneOf": [{"type": "null"}, ref("Offer")]},
})
PRESENCE_CHANGE = _obj({
    "state": {"type": "string", "enum": ["available", "away", "logged_out"]},
    "queues": {"type": "array", "items": {"type": "string"},
               "description": "replaces the member queues; needed the first time"},
}, required=("state",))

ATTEMPT = _obj({
    "at": TIME,
    "agent_id": {"type": "integer"},
    "agent": {"type": "string"},
    "outcome": {"type": ["string", "null"], "enum": [*(o.value for o in AttemptOutcome), None]},
    "reason": _nullable("string"),
    "handle_seconds": _nullable("number"),
    "call_sid": _nullable("string"),
    "ended_at": NULL_TIME,
})
CALLBACK = _obj({
    "id": {"type": "string", "description": "the queue entry ref <queue_id>:<entry_id>"},
    "queue": {"type": "string"},
    "state": _enum(CallbackState),
    "outcome": {"type": ["string", "null"], "enum": [*(o.value for o in AttemptOutcome), None]},
    "caller_number": _nullable("string"),
    "callback_number": {"type": "string"},
    "number_dialled": _nullable("string"),
    "language": _nullable("string"),
    "requested_at": TIME,
    "position": _nullable("integer"),
    "wait_seconds": {"type": "number"},
    "agent_id": _nullable("integer"),
    "called_at": NULL_TIME,
    "handle_seconds": _nullable("number"),
    "ticket_id": {"type": ["integer", "string", "null"]},
    "expired_at": NULL_TIME,
    "done_at": NULL_TIME,
    "attempts": {"type": "array", "items": ref("CallbackAttempt")},
})
ACTING_AGENT = _obj({"agent_id": {"type": "integer", "minimum": 1}}, required=(), description=(
    "Only with the owner token, which names the agent it acts for; an agent's own token "
    "acts for that agent."))

FIGURES = _obj({
    "callbacks_in_queue": {"type": "integer"},
    "total_callbacks": {"type": "integer"},
    "average_callback_wait_seconds": _nullable("number"),
    "expired": {"type": "integer"},
    "answered": {"type": "integer"},
    "no_answer": {"type": "integer"},
    "busy": {"type": "integer"},
    "failed": {"type": "integer"},
})
METRICS = _obj({
    "from": TIME,
    "to": TIME,
    "overall": ref("CallbackFigures"),
    "numbers": {"type": "object", "additionalProperties": ref("CallbackFigures"),
                "description": "business number (E.164) -> its figures"},
})

GREETING = {
    "oneOf": [_obj({"text": {"type": "string"}}), _obj({"audio_url": {"type": "string",
                                                                      "format": "uri"}})],
    "description": "spoken in the number's language, or a recording",
}
NULL_GREETING = {"oneOf": [{"type": "null"}, ref("Greeting")],
                 "description": "null: the shipped prompt in the number's language"}
MENU_OPTION = {
    "oneOf": [
        _obj({"digit": {"type": "string", "pattern": "^[0-9*]$"},
              "action": {"const": "queue"},
              "queue_id": {"type": ["string", "null"],
                           "description": "null: the number's own queue"},
              "intent": _enum(Intent)}, required=("digit", "action")),
        _obj({"digit": {"type": "string", "pattern": "^[0-9*]$"},
              "action": {"const": "message"},
              "message": NULL_GREETING}, required=("digit", "action")),
    ],
}
NUMBER = {
    "type": "object",
    "description": "A business number's configuration; docs/ivr.md describes every field "
                   "and rule. PUT takes the same document (e164 from the path).",
    "properties": {
        "e164": E164,
        "line_type": {"type": "string", "enum": ["phone", "digital"]},
        "language": _nullable("string", description="null: the account's default language"),
        "queue_id": {"type": "string"},
        "greetings": {"type": "object", "properties": {
            name: NULL_GREETING for name in ("welcome", "menu", "hold", "callback_offer",
                                             "callback_confirmation")}},
        "menu": {"type": "array", "items": ref("MenuOption"), "maxItems": 11},
        "callback": _obj({"enabled": {"type": "boolean"},
                          "allowed_countries": {"type": "array",
                                                "items": {"type": "string"},
                                                "description": "ISO 3166 country codes"}},
                         required=()),
        "max_wait_seconds": _nullable("integer", minimum=30, maximum=86_400,
                                      description="null: no limit"),
        "overflow": _obj({"kind": {"type": "string", "enum": ["message", "voicemail"]},
                          "message": NULL_GREETING}, required=()),
        "announce_every_seconds": _nullable(
            "integer", minimum=15, maximum=3_600,
            description="null: position and wait announced once"),
        "hold_music_url": _nullable("string"),
    },
}
QUEUE = _obj({
    "queue_id": {"type": "string"},
    "max_size": {"type": "integer"},
    "max_wait_seconds": {"type": "integer"},
    "offer_timeout_seconds": {"type": "integer"},
    "wrap_up_seconds": {"type": "integer"},
    "priorities": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "intent -> priority"},
}, required=("queue_id",), description="PUT replaces the whole settings: fields left out "
                                       "take their defaults again.")

def _page(key: str, item: str) -> dict[str, Any]:
    return _obj({key: {"type": "array", "items": ref(item)}, "total": {"type": "integer"},
                 "limit": {"type": "integer"}, "offset": {"type": "integer"}})


SCHEMAS: dict[str, Any] = {
    "Error": ERROR,
    "ValidationErrors": VALIDATION_ERRORS,
    "Agent": AGENT,
    "NewAgent": NEW_AGENT,
    "AgentList": _obj({"agents": {"type": "array", "items": ref("Agent")}}),
    "ApiToken": _obj({"token": {"type": "string", "description": "shown once; keep it"}}),
    "Presence": PRESENCE,
    "PresenceChange": PRESENCE_CHANGE,
    "EndpointChange": _obj({"endpoint": ENDPOINT}),
    "SoftphoneToken": _obj({"token": {"type": "string"}, "identity": {"type": "string"},
                            "expires_at": TIME}),
    "Offer": OFFER,
    "Callback": CALLBACK,
    "CallbackAttempt": ATTEMPT,
    "CallbackPage": _page("callbacks", "Callback"),
    "ActingAgent": ACTING_AGENT,
    "CallbackFigures": FIGURES,
    "Metrics": METRICS,
    "Number": NUMBER,
    "Greeting": GREETING,
    "MenuOption": MENU_OPTION,
    "NumberList": _obj({"numbers": {"type": "array", "items": ref("Number")},
                        "default_language": {"type": "string"}}),
    "Queue": QUEUE,
}


def _answer(description: str, schema: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema)}}}


RESPONSES: dict[str, Any] = {
    "Unauthorized": {
        **_answer("No valid bearer token (send Authorization: Bearer <token>).", "Error"),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"},
                                         "description": 'Bearer realm="ringback"'}},
    },
    "Forbidden": _answer("The token's agent lacks the permission this needs.", "Error"),
    "NotFound": _answer("No such resource (or id).", "Error"),
    "Conflict": _answer("The resource is not in a state that allows this now.", "Error"),
    "Invalid": _answer("Invalid input: each field named with the rule it broke.",
                       "ValidationErrors"),
}
