"""/api/v1/service-requests: call-centre requests, and the request-volume report.

``POST`` saves the contact with only its type and channel; ``PATCH`` saves
details; ``POST .../complete`` saves details and completes the request (422
names each section its type still needs; an action request gets its work
order, 409 when one is already open for the same problem nearby and neither
``work_order_id`` nor ``new_work_order`` says what to do); ``POST
.../convert`` turns an information request into an action request. All need
the Requests permission.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import current_principal, requires
from ringback.service_requests import RequestLog, RequestView
from ringback.service_requests.volume import VolumeTable, volume_query
from ringback.store.console import as_utc
from ringback.store.models import Permission
from ringback.store.service_requests import ServiceRequest

REQUESTS = Permission.REQUESTS


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    def log() -> RequestLog:
        return services().service_requests

    def me() -> int | None:
        return current_principal().agent_id

    @bp.get("/service-requests")
    @requires(REQUESTS)
    def list_requests() -> ResponseReturnValue:
        page = log().list(request.args)
        return jsonify({"service_requests": [request_json(r) for r in page.items],
                        "total": page.total, "limit": page.limit, "offset": page.offset})

    @bp.post("/service-requests")
    @requires(REQUESTS)
    def save_request() -> ResponseReturnValue:
        return jsonify(view_json(log().save(json_body(), me()))), 201

    @bp.get("/service-requests/<id:request_id>")
    @requires(REQUESTS)
    def get_request(request_id: int) -> ResponseReturnValue:
        return jsonify(view_json(log().get(request_id)))

    @bp.patch("/service-requests/<id:request_id>")
    @requires(REQUESTS)
    def update_request(request_id: int) -> ResponseReturnValue:
        return jsonify(view_json(log().update(request_id, json_body(), me())))

    @bp.post("/service-requests/<id:request_id>/complete")
    @requires(REQUESTS)
    def complete_request(request_id: int) -> ResponseReturnValue:
        return jsonify(view_json(log().complete(request_id, json_body(), me())))

    @bp.post("/service-requests/<id:request_id>/convert")
    @requires(REQUESTS)
    def convert_request(request_id: int) -> ResponseReturnValue:
        body = json_body()
        return jsonify(view_json(log().convert(request_id, body.get("to"), me())))

    @bp.get("/service-requests/<id:request_id>/already-reported")
    @requires(REQUESTS)
    def already_reported(request_id: int) -> ResponseReturnValue:
        orders = log().already_reported(request_id)
        return jsonify({"work_orders": [{"id": w.id, "number": w.number,
                                         "address": w.location.address,
                                         "state": w.state.value} for w in orders]})

    @bp.get("/reports/request-volume")
    @requires(REQUESTS)
    def request_volume() -> ResponseReturnValue:
        s = services()
        today = datetime.fromtimestamp(s.clock.now(), UTC).date()
        table = s.request_volume.table(volume_query(request.args, today))
        if request.args.get("format") == "csv":
            return Response(table.csv(), mimetype="text/csv",
                            headers={"Content-Disposition":
                                     "attachment; filename=request-volume.csv"})
        return jsonify(volume_json(table))


def request_json(row: ServiceRequest) -> dict[str, Any]:
    return {
        "id": row.id, "type": row.type, "channel": row.channel, "complete": row.complete,
        "customer_user_id": row.customer_user_id, "caller_number": row.caller_number,
        "description": row.description, "agent_id": row.agent_id, "call_ref": row.call_ref,
        "queue_id": row.queue_id, "problem_code_id": row.problem_code_id,
        "address": row.address, "latitude": row.latitude, "longitude": row.longitude,
        "work_order_id": row.work_order_id,
        "created_at": _time(row.created_at), "updated_at": _time(row.updated_at),
    }


def view_json(view: RequestView) -> dict[str, Any]:
    return {**request_json(view.request), "article_ids": view.article_ids,
            "history": [{"event": h.event, "old": h.old, "new": h.new,
                         "agent_id": h.agent_id, "at": _time(h.at)} for h in view.history]}


def volume_json(table: VolumeTable) -> dict[str, Any]:
    q = table.query
    return {"period": q.period, "by": q.by, "from": q.first.isoformat(),
            "to": q.last.isoformat(), "tz": q.zone, "periods": table.periods,
            "groups": table.groups, "total": table.total,
            "rows": [{"period": p, "group": g, "requests": table.count(p, g)}
                     for p in table.periods for g in table.groups]}


def _time(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")
