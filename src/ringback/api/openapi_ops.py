"""Building blocks of the OpenAPI document's operations: parameters and one
operation with every error answer of /api/v1 (401, 403, 404, 422, and 409 where
a conflict is possible), shared by ``openapi`` and the documents of each area."""

from __future__ import annotations

from typing import Any

from ringback.api.openapi_schemas import ref

_ERRORS = {
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "404": {"$ref": "#/components/responses/NotFound"},
    "422": {"$ref": "#/components/responses/Invalid"},
}
_CONFLICT = {"409": {"$ref": "#/components/responses/Conflict"}}


def param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "description": description, "schema": schema}


def path_param(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return param(name, "path", {"type": kind}, description)


def query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return param(name, "query", schema or {"type": "string"}, description)


PAGING = [
    query("limit", "page size", type="integer", minimum=1, maximum=200, default=50),
    query("offset", "items skipped", type="integer", minimum=0, default=0),
]


def op(op_id: str, summary: str, ok: tuple[str, str, str | None], *, permission: str | None,
        params: list[dict[str, Any]] | None = None, body: str | None = None,
        conflict: bool = False, description: str | None = None) -> dict[str, Any]:
    """One operation; ``ok`` is (status, description, schema name or None for no body)."""
    status, said, schema = ok
    answer: dict[str, Any] = {"description": said}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": ref(schema)}}
    needs = f"Permission: {permission}." if permission else "Any agent's token."
    op: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
        "description": f"{description} {needs}" if description else needs,
        "responses": {status: answer, **_ERRORS, **(_CONFLICT if conflict else {})},
    }
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": ref(body)}}}
    return op
