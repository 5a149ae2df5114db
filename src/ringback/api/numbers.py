"""/api/v1/numbers: the business numbers ringback answers and their configuration.

``PUT /numbers/<e164>`` creates (201) or replaces (200) a number's
configuration; the body is checked by ``NumberConfig.from_json`` and every
problem is reported at once (422). ``GET`` gives the canonical document
back, ``DELETE`` removes the number (204): its calls hear "not in service".
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ringback.api.auth import requires
from ringback.numbers import NumberDirectory
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    def directory() -> NumberDirectory:
        return services().numbers

    @bp.get("/numbers")
    @requires(Permission.NUMBERS)
    def list_numbers() -> ResponseReturnValue:
        numbers = directory()
        return jsonify(numbers=[c.to_json() for c in numbers.all()],
                       default_language=numbers.current_default_language())

    @bp.put("/numbers/<e164>")
    @requires(Permission.NUMBERS)
    def put_number(e164: str) -> ResponseReturnValue:
        config, created = directory().put(e164, json_body())
        return jsonify(config.to_json()), 201 if created else 200

    @bp.get("/numbers/<e164>")
    @requires(Permission.NUMBERS)
    def get_number(e164: str) -> ResponseReturnValue:
        return jsonify(directory().get(e164).to_json())

    @bp.delete("/numbers/<e164>")
    @requires(Permission.NUMBERS)
    def delete_number(e164: str) -> ResponseReturnValue:
        directory().delete(e164)
        return "", 204
