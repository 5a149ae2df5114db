"""What a JSON API request brings: its JSON document, path ids and query filters.

Rules every endpoint gets before the domain sees the input (each a 422
naming the field): the body is JSON nested at most ``MAX_DEPTH`` levels,
without NaN or Infinity; no text anywhere (body, path, query) holds the NUL
character, which PostgreSQL cannot store and no field allows.  The body is
at most ``MAX_BODY`` bytes (the app's limit: 413 beyond).  Path ids
(``<id:agent_id>``) are ASCII digits; one no row can have is a 404 of the
domain's, never an integer overflow in SQL.
"""

from __future__ import annotations

import json
from typing import Any

from flask import g, request
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as RoutingValidationError

from ringback.errors import ValidationError
from ringback.parsing import ascii_whole

MAX_BODY = 1024 * 1024
MAX_BODY_TEXT = "1 MB"
MAX_DEPTH = 32
NUL_RULE = "must not contain the NUL character"
SURROGATE_RULE = "must be valid Unicode text (no lone surrogate such as \\ud800)"
DEPTH_RULE = f"must not nest lists and objects more than {MAX_DEPTH} deep"


def json_document() -> Any:
    """The request's JSON document, None without one (or without a JSON content type).

    Malformed JSON, nesting deeper than MAX_DEPTH and NUL characters are 422s.
    """
    if "api_json" not in g:
        g.api_json = _parse() if request.is_json else None
    return g.api_json


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 422 naming the body."""
    data = json_document()
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object (Content-Type: application/json)"})
    return data


def check_path_and_query() -> None:
    """422 naming each path part or query parameter that holds a NUL character."""
    errors: dict[str, str] = {}
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            errors[name] = NUL_RULE
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            errors[name if "\x00" not in name else "query"] = NUL_RULE
    if errors:
        raise ValidationError(errors)


class RowIdConverter(BaseConverter):
    """``<id:name>``: ASCII digits as an int (werkzeug's ``int`` also takes '٣' and
    '５'); the domain answers 404 for one outside an id column's range, and more
    than 18 digits match no route (404 too)."""

    regex = r"[0-9]+"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = ascii_whole(value)
        if number is None:
            raise RoutingValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def _parse() -> Any:
    raw = request.get_data(cache=True)  # 413 past the app's body limit
    if not raw.strip():
        return None
    try:
        document = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise ValidationError({"body": DEPTH_RULE}) from None
    except ValueError as exc:
        raise ValidationError({"body": f"is not valid JSON ({_reason(exc)})"}) from None
    _check(document)
    return document


def _check(document: Any) -> None:
    """Depth and NUL characters, walked without recursion."""
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ValidationError({path or "body": NUL_RULE})
            if not _encodable(value):
                raise ValidationError({path or "body": SURROGATE_RULE})
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise ValidationError({"body": DEPTH_RULE})
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise ValidationError({path or "body": f"{NUL_RULE} in a key"})
                if not _encodable(key):
                    raise ValidationError({path or "body": f"{SURROGATE_RULE} in a key"})
                stack.append((f"{path}.{key}" if path else key, item, depth + 1))
        else:
            for index, item in enumerate(value):
                stack.append((f"{path}.{index}" if path else str(index), item, depth + 1))


def _encodable(text: str) -> bool:
    """False for text with a lone surrogate (JSON's "\\ud800"), which no database
    can store as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _reason(exc: ValueError) -> str:
    return str(exc).split(":")[0][:100]
