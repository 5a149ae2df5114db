"""The problem codes and work orders part of the OpenAPI document of /api/v1
(``api/work_orders.py`` answers these shapes, from ``work_orders.documents``)."""

from __future__ import annotations

from typing import Any

from ringback.api.openapi_ops import PAGING, op, path_param, query
from ringback.api.openapi_schemas import TIME, ref
from ringback.store.work_orders import NodeLevel, WorkOrderState

_STATES = [s.value for s in WorkOrderState]
_NULL_NUMBER = {"type": ["number", "null"]}
_CODE_ID = path_param("code_id", "the problem code's id", "integer")
_ORDER_ID = path_param("work_order_id", "the work order's id", "integer")


def _obj(properties: dict[str, Any], *, required: tuple[str, ...] | None = None,
         **more: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required), **more}


WORK_ORDER_SCHEMAS: dict[str, Any] = {
    "ProblemCode": _obj({
        "id": {"type": "integer"},
        "code": {"type": "string", "description": "short and unique, e.g. SW-APPL"},
        "name": {"type": "string"}, "department": {"type": "string"},
        "provider": {"type": "string"}, "category": {"type": "string"},
        "category_id": {"type": "integer"},
        "template": _obj({"tasks": {"type": "array", "items": {"type": "string"}},
                          "estimated_minutes": {"type": "integer"},
                          "priority": {"type": "integer", "minimum": 1, "maximum": 5},
                          "crew": {"type": "string"}},
                         description="what a work order for this problem copies"),
    }),
    "ProblemNode": _obj({
        "id": {"type": "integer"},
        "level": {"type": "string", "enum": [lv.value for lv in NodeLevel]},
        "name": {"type": "string"},
        "children": {"type": "array", "items": ref("ProblemNode")},
        "codes": {"type": "array", "items": ref("ProblemCode"),
                  "description": "a category's problem codes (empty above)"},
    }),
    "ProblemCodeTree": _obj({"departments": {"type": "array", "items": ref("ProblemNode")}}),
    "ProblemCodeMatches": _obj({"codes": {"type": "array", "items": ref("ProblemCode")}}),
    "WorkOrderChange": _obj({
        "from_state": {"type": ["string", "null"], "enum": [*_STATES, None]},
        "to_state": {"type": "string", "enum": _STATES},
        "agent_id": {"type": ["integer", "null"]}, "note": {"type": "string"}, "at": TIME,
    }),
    "WorkOrder": _obj({
        "id": {"type": "integer"}, "number": {"type": "string", "description": "WO-000042"},
        "state": {"type": "string", "enum": _STATES},
        "state_label": {"type": "string", "description": "the state as people name it"},
        "problem_code": _obj({"id": {"type": "integer"}, "code": {"type": "string"},
                              "name": {"type": "string"}, "department": {"type": "string"},
                              "provider": {"type": "string"}, "category": {"type": "string"}}),
        "tasks": {"type": "array", "items": {"type": "string"}},
        "estimated_minutes": {"type": "integer"}, "priority": {"type": "integer"},
        "crew": {"type": "string"},
        "location": _obj({"address": {"type": "string"}, "latitude": _NULL_NUMBER,
                          "longitude": _NULL_NUMBER}),
        "created_by": {"type": ["integer", "null"]},
        "external_ref": {"type": ["string", "null"],
                         "description": "the work-order webhook receiver's reference"},
        "created_at": TIME, "updated_at": TIME,
        "history": {"type": "array", "items": ref("WorkOrderChange"),
                    "description": "oldest first; empty in lists"},
    }),
    "WorkOrderPage": _obj({"work_orders": {"type": "array", "items": ref("WorkOrder")},
                           "total": {"type": "integer"}, "limit": {"type": "integer"},
                           "offset": {"type": "integer"}}),
    "WorkOrderStateChange": _obj(
        {"state": {"type": "string", "description": "the state's name or its label "
                   "(approved or Approved)"},
         "note": {"type": ["string", "null"], "maxLength": 2000}},
        required=("state",), additionalProperties=False),
}

WORK_ORDER_PATHS: dict[str, Any] = {
    "/problem-codes": {
        "get": op("getProblemCodeTree", "The problem-code tree: departments, providers, "
                  "categories and their codes", ("200", "The tree", "ProblemCodeTree"),
                  permission="requests"),
    },
    "/problem-codes/search": {
        "get": op("findProblemCodes", "Problem codes by code or name, as the agent types",
                  ("200", "Up to 10 codes, the exact code first", "ProblemCodeMatches"),
                  permission="requests",
                  params=[query("q", "part of the code or the name, any case")]),
    },
    "/problem-codes/{code_id}": {
        "get": op("getProblemCode", "One problem code with its template and path",
                  ("200", "The problem code", "ProblemCode"), permission="requests",
                  params=[_CODE_ID]),
    },
    "/work-orders": {
        "get": op("listWorkOrders", "Work orders, newest first",
                  ("200", "A page of work orders", "WorkOrderPage"), permission="requests",
                  params=[query("state", "only this state (name or label)", type="string"),
                          query("open", "true: only waiting for approval, approved or in "
                                "progress", type="string", enum=["true", "false"]),
                          *PAGING]),
    },
    "/work-orders/{work_order_id}": {
        "get": op("getWorkOrder", "One work order with its state history",
                  ("200", "The work order", "WorkOrder"), permission="requests",
                  params=[_ORDER_ID]),
    },
    "/work-orders/{work_order_id}/state": {
        "post": op("advanceWorkOrder", "Move a work order to another state",
                   ("200", "The work order after the change", "WorkOrder"),
                   permission="work_orders", params=[_ORDER_ID], body="WorkOrderStateChange",
                   conflict=True, description=(
                       "Allowed steps: waiting_approval -> approved or closed; approved -> "
                       "in_progress, waiting_approval or closed; in_progress -> completed "
                       "or approved; completed -> closed or in_progress; closed is final. "
                       "Another step is a 409 naming the steps allowed.")),
    },
}
