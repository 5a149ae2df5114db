"""Twilio's OpenAPI description as a checker: which operation a request is, and
whether its path, query and form parameters (and the stand-in's answers) keep
the contract in ``tests/contracts/twilio_api_v2010_voice.json``."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from werkzeug.datastructures import MultiDict

CONTRACT = Path(__file__).parent.parent / "contracts" / "twilio_api_v2010_voice.json"

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_ENDPOINT = re.compile(r"^(\+[1-9][0-9]{1,14}|client:[A-Za-z0-9_.@-]+|sip:\S+@\S+)$")


class Contract:
    """Twilio's OpenAPI description: finds a request's operation and checks it."""

    def __init__(self, path: Path = CONTRACT) -> None:
        self.spec = _load(path)
        self._routes: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for template, item in self.spec["paths"].items():
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            for method in ("get", "post", "delete"):
                if method in item:
                    self._routes.append((re.compile(f"^{regex}$"), method.upper(), item[method]))

    def operation(self, method: str, path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
        for regex, route_method, op in self._routes:
            match = regex.match(path)
            if match and route_method == method:
                return op, match.groupdict()
        return None

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def check_request(
        self, op: dict[str, Any], path_params: dict[str, str], query: MultiDict, form: MultiDict
    ) -> list[tuple[str, str]]:
        """(parameter, rule broken) for every violation of the operation's contract."""
        found: list[tuple[str, str]] = []
        declared = {p["name"]: p for p in op.get("parameters", [])}
        for name, value in path_params.items():
            found += [(name, rule) for rule in self._check(declared[name]["schema"], [value])]
        query_params = {n: p for n, p in declared.items() if p["in"] == "query"}
        found += self._check_fields(query, {n: p["schema"] for n, p in query_params.items()},
                                    [n for n, p in query_params.items() if p.get("required")])
        body = op.get("requestBody", {}).get("content", {})
        schema = self.resolve(body.get("application/x-www-form-urlencoded", {}).get("schema", {}))
        if schema or form:
            found += self._check_fields(form, schema.get("properties", {}),
                                        schema.get("required", []))
        return found

    def check_response(self, op: dict[str, Any], status: int, body: Any) -> list[str]:
        """Where a JSON answer departs from the operation's response schema."""
        response = op["responses"].get(str(status))
        if response is None:
            return [f"status {status} is not a documented answer"]
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        return self._check_json(schema, body, "$")

    def _check_fields(
        self, values: MultiDict, properties: dict[str, Any], required: list[str]
    ) -> list[tuple[str, str]]:
        found = [(name, "is required") for name in required if name not in values]
        for name in values:
            if name not in properties:
                found.append((name, "is not a parameter of this operation"))
                continue
            found += [(name, rule) for rule in self._check(properties[name], values.getlist(name))]
        return found

    def _check(self, schema: dict[str, Any], raw: list[str]) -> list[str]:
        schema = self.resolve(schema)
        if schema.get("type") == "array":
            item = schema.get("items", {})
            return [rule for value in raw for rule in self._check(item, [value])]
        if len(raw) != 1:
            return ["must be given once"]
        value, kind = raw[0], schema.get("type", "string")
        if kind == "integer":
            if not re.fullmatch(r"-?[0-9]+", value):
                return ["must be an integer"]
            number = int(value)
            if number < schema.get("minimum", number) or number > schema.get("maximum", number):
                return ["is out of range"]
            return []
        if kind == "boolean":
            return [] if value in ("true", "false") else ["must be true or false"]
        rules = []
        if "enum" in schema and value not in schema["enum"]:
            rules.append(f"must be one of {schema['enum']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            rules.append(f"must match {schema['pattern']}")
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            rules.append("has the wrong length")
        checker = _FORMATS.get(schema.get("format", ""))
        if checker is not None and not checker(value):
            rules.append(f"is not a valid {schema['format']}")
        return rules

    def _check_json(self, schema: dict[str, Any], value: Any, where: str) -> list[str]:
        schema = self.resolve(schema)
        if value is None:
            return [] if schema.get("nullable") else [f"{where} must not be null"]
        kind = schema.get("type")
        types = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}
        if kind in types and not isinstance(value, types[kind]):
            return [f"{where} must be a JSON {kind}"]
        found = []
        if kind == "object" and "properties" in schema:
            for name, item in value.items():
                if name not in schema["properties"]:
                    found.append(f"{where}.{name} is not in the schema")
                else:
                    found += self._check_json(schema["properties"][name], item, f"{where}.{name}")
        if kind == "array":
            for i, item in enumerate(value):
                found += self._check_json(schema.get("items", {}), item, f"{where}[{i}]")
        if kind == "string":
            if "enum" in schema and value not in schema["enum"]:
                found.append(f"{where} must be one of {schema['enum']}")
            if "pattern" in schema and not re.search(schema["pattern"], value):
                found.append(f"{where} must match {schema['pattern']}")
            if schema.get("format") == "date-time-rfc-2822" and not _rfc2822(value):
                found.append(f"{where} is not an RFC 2822 date")
        return found


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _uri(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "_" not in parts.netloc


def _date_time(value: str) -> bool:
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            parse(value)
            return True
        except ValueError:
            pass
    return False


def _twiml(value: str) -> bool:
    try:
        return ElementTree.fromstring(value).tag == "Response"
    except ElementTree.ParseError:
        return False


def _rfc2822(value: str) -> bool:
    try:
        parsedate_to_datetime(value)
        return True
    except (TypeError, ValueError):
        return False


_FORMATS: dict[str, Callable[[str], bool]] = {
    "uri": _uri,
    "endpoint": lambda v: bool(_ENDPOINT.match(v)),
    "phone-number": lambda v: bool(_E164.match(v)),
    "date-time": _date_time,
    "twiml": _twiml,
}
