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
from ringback.ivr import config_rules
from ringback.queue.models import QueueSettings
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    @bp.put("/queues/<queue_id>")
    @requires(Permission.NUMBERS)
    def put_queue(queue_id: str) -> ResponseReturnValue:
        _queue_id(queue_id)
        settings = QueueSettings.from_json(json_body())
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


def queue_json(queue_id: str, settings: QueueSettings) -> dict[str, Any]:
    return {
        "queue_id": queue_id,
        "max_size": settings.max_size,
        "max_wait_seconds": settings.max_wait_seconds,
        "offer_timeout_seconds": settings.offer_timeout_seconds,
        "wrap_up_seconds": settings.wrap_up_seconds,
        "priorities": {i.value: p for i, p in sorted(settings.priorities.items())},
    }
