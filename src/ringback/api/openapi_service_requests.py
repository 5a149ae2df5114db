"""The requests part of the OpenAPI document of /api/v1: call-centre requests and the
request-volume report (``api/service_requests.py`` writes these shapes)."""

from __future__ import annotations

from typing import Any

from ringback.api.openapi_ops import PAGING, op, path_param, query
from ringback.api.openapi_schemas import TIME, ref

_PERMISSION = "requests"
_ID = path_param("request_id", "the request's id", "integer")
_NULL_INT = {"type": ["integer", "null"]}
_NULL_NUMBER = {"type": ["number", "null"]}
_NULL_TEXT = {"type": ["string", "null"]}
_TYPE = {"type": "string", "enum": ["information", "action", "remark"]}
_CHANNEL = {"type": "string", "enum": ["phone", "email", "fax", "walk_in"]}
_DETAILS: dict[str, Any] = {
    "description": {"type": "string", "maxLength": 5000},
    "customer_user_id": {"type": ["integer", "null"], "minimum": 1},
    "channel": _CHANNEL,
    "article_ids": {"type": "array", "maxItems": 20, "items": {"type": "integer"},
                    "description": "the knowledge-base articles used (replaces the list)"},
    "problem_code_id": {"type": ["integer", "null"], "minimum": 1},
    "address": {"type": "string", "maxLength": 300},
    "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
    "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
}
_REQUEST_PROPS: dict[str, Any] = {
    "id": {"type": "integer"}, "type": _TYPE, "channel": _CHANNEL,
    "complete": {"type": "boolean"}, "customer_user_id": _NULL_INT,
    "caller_number": _NULL_TEXT, "description": {"type": "string"}, "agent_id": _NULL_INT,
    "call_ref": _NULL_TEXT, "queue_id": _NULL_TEXT, "problem_code_id": _NULL_INT,
    "address": {"type": "string"}, "latitude": _NULL_NUMBER, "longitude": _NULL_NUMBER,
    "work_order_id": _NULL_INT, "created_at": TIME, "updated_at": TIME,
}

REQUEST_SCHEMAS: dict[str, Any] = {
    "ServiceRequest": {"type": "object", "properties": _REQUEST_PROPS,
                       "required": list(_REQUEST_PROPS)},
    "ServiceRequestDetail": {
        "type": "object",
        "properties": {**_REQUEST_PROPS,
                       "article_ids": {"type": "array", "items": {"type": "integer"}},
                       "history": {"type": "array", "items": {
                           "type": "object",
                           "properties": {"event": {"type": "string"},
                                          "old": {"type": "string"},
                                          "new": {"type": "string"},
                                          "agent_id": _NULL_INT, "at": TIME},
                           "required": ["event", "old", "new", "agent_id", "at"]}}},
        "required": [*_REQUEST_PROPS, "article_ids", "history"],
    },
    "ServiceRequestPage": {
        "type": "object",
        "properties": {"service_requests": {"type": "array", "items": ref("ServiceRequest")},
                       "total": {"type": "integer"}, "limit": {"type": "integer"},
                       "offset": {"type": "integer"}},
        "required": ["service_requests", "total", "limit", "offset"],
    },
    "ServiceRequestNew": {
        "type": "object", "additionalProperties": False,
        "properties": {"type": _TYPE, "channel": _CHANNEL,
                       "customer_user_id": {"type": ["integer", "null"], "minimum": 1},
                       "caller_number": {"type": "string"},
                       "description": {"type": "string", "maxLength": 5000},
                       "call_ref": {"type": "string"}, "queue_id": {"type": "string"}},
        "required": ["type"],
        "description": "Only type is needed (channel defaults to phone): the contact is "
                       "logged at once, its details follow.",
    },
    "ServiceRequestDetails": {
        "type": "object", "additionalProperties": False, "properties": _DETAILS,
        "description": "The details given are saved; completeness is not checked.",
    },
    "ServiceRequestCompletion": {
        "type": "object", "additionalProperties": False,
        "properties": {**_DETAILS,
                       "work_order_id": {"type": "integer", "minimum": 1,
                                         "description": "link to this open work order"},
                       "new_work_order": {"type": "boolean",
                                          "description": "create a work order although "
                                                         "one is open nearby"}},
        "description": "Information needs article_ids; action needs problem_code_id and "
                       "address; remark needs description.",
    },
    "ServiceRequestConversion": {
        "type": "object", "additionalProperties": False,
        "properties": {"to": {"type": "string", "enum": ["action"]}}, "required": ["to"],
    },
    "AlreadyReported": {
        "type": "object",
        "properties": {"work_orders": {"type": "array", "items": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "number": {"type": "string"},
                           "address": {"type": "string"}, "state": {"type": "string"}},
            "required": ["id", "number", "address", "state"]}}},
        "required": ["work_orders"],
    },
    "RequestVolume": {
        "type": "object",
        "properties": {
            "period": {"type": "string", "enum": ["day", "week", "month"]},
            "by": {"type": "string",
                   "enum": ["type", "channel", "queue", "category", "agent"]},
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"}, "tz": {"type": "string"},
            "periods": {"type": "array", "items": {"type": "string"}},
            "groups": {"type": "array", "items": {"type": "string"}},
            "total": {"type": "integer"},
            "rows": {"type": "array", "items": {
                "type": "object",
                "properties": {"period": {"type": "string"}, "group": {"type": "string"},
                               "requests": {"type": "integer"}},
                "required": ["period", "group", "requests"]}},
        },
        "required": ["period", "by", "from", "to", "tz", "periods", "groups", "total", "rows"],
    },
}

REQUEST_PATHS: dict[str, Any] = {
    "/service-requests": {
        "get": op("listServiceRequests", "Requests, newest first",
                  ("200", "A page of requests", "ServiceRequestPage"), permission=_PERMISSION,
                  params=[query("type", "information, action or remark"),
                          query("customer_user_id", "only this customer user's",
                                type="integer", minimum=1),
                          query("agent_id", "only this agent's", type="integer", minimum=1),
                          query("work_order_id", "only those linked to this work order",
                                type="integer", minimum=1), *PAGING]),
        "post": op("saveServiceRequest", "Log a contact as a request (details follow)",
                   ("201", "The request", "ServiceRequestDetail"), permission=_PERMISSION,
                   body="ServiceRequestNew"),
    },
    "/service-requests/{request_id}": {
        "get": op("getServiceRequest", "One request with its articles and history",
                  ("200", "The request", "ServiceRequestDetail"), permission=_PERMISSION,
                  params=[_ID]),
        "patch": op("updateServiceRequest", "Save a request's details",
                    ("200", "The request", "ServiceRequestDetail"), permission=_PERMISSION,
                    params=[_ID], body="ServiceRequestDetails"),
    },
    "/service-requests/{request_id}/complete": {
        "post": op("completeServiceRequest",
                   "Complete a request: its type's sections, then its work order",
                   ("200", "The request", "ServiceRequestDetail"), permission=_PERMISSION,
                   params=[_ID], body="ServiceRequestCompletion", conflict=True,
                   description="409 when an open work order for the same problem is near "
                               "the same place: link with work_order_id or send "
                               "new_work_order true."),
    },
    "/service-requests/{request_id}/convert": {
        "post": op("convertServiceRequest", "Turn an information request into an action request",
                   ("200", "The request", "ServiceRequestDetail"), permission=_PERMISSION,
                   params=[_ID], body="ServiceRequestConversion", conflict=True),
    },
    "/service-requests/{request_id}/already-reported": {
        "get": op("alreadyReported",
                  "Open work orders for the request's problem near its place",
                  ("200", "The work orders", "AlreadyReported"), permission=_PERMISSION,
                  params=[_ID]),
    },
    "/reports/request-volume": {
        "get": op("requestVolume", "Requests per day, week or month, by one dimension",
                  ("200", "The table (text/csv with format=csv)", "RequestVolume"),
                  permission=_PERMISSION,
                  params=[query("period", "day, week or month", default="day"),
                          query("by", "type, channel, queue, category or agent",
                                default="type"),
                          query("from", "first day, e.g. 2027-01-01", format="date"),
                          query("to", "last day (default today)", format="date"),
                          query("tz", "IANA time zone of the days", default="UTC"),
                          query("format", "csv for a CSV download")]),
    },
}
REQUEST_PATHS["/reports/request-volume"]["get"]["responses"]["200"]["content"]["text/csv"] = {
    "schema": {"type": "string"}}
