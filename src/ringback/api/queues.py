"""/api/v1/queues: the limits of a queue that numbers send callers to.

Numbers name queues by id; a queue nobody configured works with the
``QueueSettings`` defaults, which ``GET`` then shows. ``PUT`` replaces the
whole settings: fields left out take their defaults again.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ringback.api.auth import requires
from ringback.errors import ValidationError
from ringback.ivr import config_rules
from ringback.queue.models import Intent, QueueSettings
from ringback.store.models import Permission

FIELDS = ("max_size", "max_wait_seconds", "offer_timeout_seconds", "wrap_up_seconds",
          "priorities")


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    @bp.put("/queues/<queue_id>")
    @requires(Permission.NUMBERS)
    def put_queue(queue_id: str) -> ResponseReturnValue:
        settings = settings_from_json(_queue_id(queue_id), json_body())
        services().queue.configure(queue_id, settings)
        return jsonify(queue_json(queue_id, settings))

    @bp.get("/queues/<queue_id>")
    @requires(Permission.NUMBERS)
    def get_queue(queue_id: str) -> ResponseReturnValue:
        settings = services().queue.settings(_queue_id(queue_id))
        return jsonify(queue_json(queue_id, settings))


def _queue_id(queue_id: str) -> str:
    """The rule numbers use for queue ids, so every configured queue can be named by one."""
    problems = config_rules.Problems()
    config_rules.queue_id(problems, "queue_id", queue_id)
    problems.raise_if_any()
    return queue_id


def settings_from_json(queue_id: str, body: dict[str, Any]) -> QueueSettings:
    """``QueueSettings`` from a JSON body; unknown fields and intents are errors."""
    errors = {name: "is not a known field" for name in body if name not in FIELDS}
    defaults = QueueSettings()
    values: dict[str, Any] = {
        name: body.get(name, getattr(defaults, name)) for name in FIELDS[:-1]
    }
    priorities: dict[Intent, Any] = {}
    raw = body.get("priorities", {})
    if not isinstance(raw, dict):
        errors["priorities"] = "must be a JSON object of intent: priority"
    else:
        for key, prio in raw.items():
            try:
                priorities[Intent(key)] = prio
            except ValueError:
                names = ", ".join(i.value for i in Intent)
                errors[f"priorities.{key}"] = f"is not an intent; use one of {names}"
    settings = QueueSettings(**values, priorities=priorities)
    try:
        settings.validate()
    except ValidationError as invalid:
        errors = {**invalid.errors, **errors}
    if errors:
        raise ValidationError(errors)
    return settings


def queue_json(queue_id: str, settings: QueueSettings) -> dict[str, Any]:
    return {
        "queue_id": queue_id,
        "max_size": settings.max_size,
        "max_wait_seconds": settings.max_wait_seconds,
        "offer_timeout_seconds": settings.offer_timeout_seconds,
        "wrap_up_seconds": settings.wrap_up_seconds,
        "priorities": {i.value: p for i, p in sorted(settings.priorities.items())},
    }
