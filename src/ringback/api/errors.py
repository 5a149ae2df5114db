"""The one place where domain errors become HTTP answers of the JSON API.

Every answer is JSON: 401/403/404/409/413/422 with a message, and a plain
500 without a stack trace when something unexpected breaks.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ringback.api.body import MAX_BODY_TEXT
from ringback.errors import Conflict, NotFound, PermissionDenied, ValidationError

log = logging.getLogger(__name__)


class Unauthorized(Exception):
    """No valid bearer token came with the request."""


def register_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> ResponseReturnValue:
        return jsonify(errors=exc.errors), 422

    @bp.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> ResponseReturnValue:
        return jsonify(error=str(exc)), 404

    @bp.errorhandler(PermissionDenied)
    def _forbidden(exc: PermissionDenied) -> ResponseReturnValue:
        return jsonify(error=str(exc) or "permission denied"), 403

    @bp.errorhandler(Unauthorized)
    def _unauthorized(exc: Unauthorized) -> ResponseReturnValue:
        resp = jsonify(error=str(exc))
        resp.headers["WWW-Authenticate"] = 'Bearer realm="ringback"'
        return resp, 401

    @bp.errorhandler(Conflict)
    def _conflict(exc: Conflict) -> ResponseReturnValue:
        return jsonify(error=str(exc)), 409

    @bp.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
        return jsonify(error=f"the request body must be at most {MAX_BODY_TEXT}"), 413

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        return jsonify(error=exc.description), exc.code or 500

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unexpected error in the API")
        return jsonify(error="internal error; the event was logged"), 500
