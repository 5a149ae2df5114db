"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document of every /api/v1 route.

``gaps`` walks Flask's url_map: every rule, method and path parameter under
/api/v1 must be in the document (and nothing else), and every operation must
document the error answers 401, 403, 404 and 422 ``{"errors": {...}}``.  Real
answers of the app are checked against the documented schemas too.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from ringback.agents import AgentDirectory
from ringback.api.openapi import document
from tests.conftest import OWNER_TOKEN

PREFIX = "/api/v1"
ERROR_CODES = ("401", "403", "404", "422")
_CONVERTED = re.compile(r"<(?:[a-z]+:)?([A-Za-z_][A-Za-z0-9_]*)>")


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    return node


def _answer_schema(doc: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    answer = _resolve(doc, response)
    return _resolve(doc, answer["content"]["application/json"]["schema"])


def gaps(app: Any, doc: dict[str, Any]) -> list[str]:
    """What the document misses (or invents) about the app's /api/v1 routes."""
    found: list[str] = []
    served: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = _CONVERTED.sub(r"{\1}", rule.rule.removeprefix(PREFIX))
        item = doc["paths"].get(path)
        if item is None:
            found.append(f"route {path} is not documented")
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            served.add((path, method.lower()))
            op = item.get(method.lower())
            if op is None:
                found.append(f"{method} {path} is not documented")
                continue
            declared = {p["name"]: p for p in item.get("parameters", []) + op.get("parameters",
                                                                                  [])
                        if p["in"] == "path"}
            for name in sorted(rule.arguments):
                if name not in declared or declared[name].get("required") is not True:
                    found.append(f"{method} {path}: path parameter {name} is not documented")
            for name in sorted(set(declared) - set(rule.arguments)):
                found.append(f"{method} {path}: path parameter {name} does not exist")
            if op.get("security") == []:
                continue  # public: no token, no permission
            for code in ERROR_CODES:
                if code not in op["responses"]:
                    found.append(f"{method} {path}: the {code} answer is not documented")
                    continue
                schema = _answer_schema(doc, op["responses"][code])
                field = "errors" if code == "422" else "error"
                if field not in schema.get("required", []) or field not in schema["properties"]:
                    found.append(f"{method} {path}: the {code} answer lacks its {field!r}")
                elif code == "422" and schema["properties"]["errors"].get(
                        "additionalProperties") != {"type": "string"}:
                    found.append(f"{method} {path}: 422 errors must map fields to rules")
    for path, item in doc["paths"].items():
        for method in item:
            if method in ("get", "put", "post", "delete", "patch") and \
                    (path, method) not in served:
                found.append(f"{method.upper()} {path} is documented but not served")
    return found


def matches_schema(doc: dict[str, Any], schema_name: str, body: Any) -> list[str]:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(schema).iter_errors(body)]


@pytest.fixture
def doc(client) -> dict[str, Any]:
    answer = client.get(f"{PREFIX}/openapi.json")  # no token: the description is public
    assert answer.status_code == 200
    return answer.get_json()  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(doc).validate()
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_every_route_method_path_parameter_and_error_answer_is_documented(app, doc):
    assert doc == document()
    assert gaps(app, doc) == []


@pytest.mark.parametrize(("change", "gap"), [
    (lambda d: d["paths"].pop("/agents"), "route /agents is not documented"),
    (lambda d: d["paths"]["/agents"].pop("post"), "POST /agents is not documented"),
    (lambda d: d["paths"]["/agents/{agent_id}"]["get"].pop("parameters"),
     "GET /agents/{agent_id}: path parameter agent_id is not documented"),
    (lambda d: d["paths"]["/callbacks"]["get"]["responses"].pop("422"),
     "GET /callbacks: the 422 answer is not documented"),
    (lambda d: d["components"]["schemas"]["ValidationErrors"]["properties"].pop("errors"),
     "GET /callbacks: the 422 answer lacks its 'errors'"),
    (lambda d: d["paths"].__setitem__("/ghosts", {"get": {"responses": {}}}),
     "GET /ghosts is documented but not served"),
])
def test_a_missing_route_parameter_or_error_shape_is_found(app, change, gap):
    changed = copy.deepcopy(document())
    change(changed)
    assert gap in gaps(app, changed)


def test_real_answers_have_the_documented_shapes(client, doc, services):
    owner = {"Authorization": f"Bearer {OWNER_TOKEN}"}
    created = client.post(f"{PREFIX}/agents", headers=owner, json={
        "email": "ana@example.com", "name": "Ana", "role": "custom",
        "permissions": ["tickets"], "endpoint": "+493012345678"})
    assert created.status_code == 201
    assert matches_schema(doc, "Agent", created.get_json()) == []
    token = AgentDirectory(services.db).issue_token(created.get_json()["id"])
    ana = {"Authorization": f"Bearer {token}"}

    answers = {
        "401": client.get(f"{PREFIX}/callbacks"),
        "403": client.get(f"{PREFIX}/callbacks", headers=ana),
        "404": client.get(f"{PREFIX}/callbacks/sales:zz9", headers=owner),
        "422": client.get(f"{PREFIX}/callbacks?limit=0", headers=owner),
    }
    for code, answer in answers.items():
        assert answer.status_code == int(code)
        documented = doc["paths"]["/callbacks"]["get"]["responses"][code]
        schema_ref = _resolve(doc, documented)["content"]["application/json"]["schema"]["$ref"]
        assert matches_schema(doc, schema_ref.rpartition("/")[2], answer.get_json()) == [], code
    assert answers["422"].get_json()["errors"]["limit"]
    assert answers["401"].headers["WWW-Authenticate"].startswith("Bearer")

    ana_id = created.get_json()["id"]
    presence = client.post(f"{PREFIX}/agents/{ana_id}/presence", headers=ana,
                           json={"state": "available", "queues": ["sales"]})
    assert presence.status_code == 200, presence.get_json()
    assert matches_schema(doc, "Presence", presence.get_json()) == []
    endpoint = client.put(f"{PREFIX}/agents/{ana_id}/endpoint", headers=ana,
                          json={"endpoint": "+493012345679"})
    assert endpoint.status_code == 200, endpoint.get_json()
    assert matches_schema(doc, "Agent", endpoint.get_json()) == []
    number = client.put(f"{PREFIX}/numbers/+4930123456", headers=owner, json={
        "queue_id": "sales", "greetings": {"welcome": {"text": "Hallo"},
                                           "menu": {"text": "1 oder 2"}},
        "menu": [{"digit": "1", "action": "queue", "queue_id": "sales", "intent": "booking"},
                 {"digit": "2", "action": "message", "message": {"text": "Bis bald"}}],
        "callback": {"enabled": True}, "overflow": {"kind": "voicemail"}})
    assert number.status_code == 201, number.get_json()
    assert matches_schema(doc, "Number", number.get_json()) == []
    for path, schema in (("/callbacks", "CallbackPage"), ("/agents", "AgentList"),
                         ("/metrics", "Metrics"), ("/tickets", "TicketPage"),
                         ("/numbers", "NumberList"), ("/queues/sales", "Queue")):
        answer = client.get(f"{PREFIX}{path}", headers=owner)
        assert answer.status_code == 200, path
        assert matches_schema(doc, schema, answer.get_json()) == [], path
