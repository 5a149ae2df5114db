"""/api/v1/problem-codes and /api/v1/work-orders.

Reading needs the requests permission (agents logging requests pick codes and
see work orders); moving a work order to another state needs work_orders.  A
step the state table does not allow is a 409 that names the steps allowed.
Documents are ``ringback.work_orders.documents``'s (the webhook sends the same).
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import requires
from ringback.errors import ValidationError
from ringback.parsing import whole_number
from ringback.store.models import Permission
from ringback.work_orders.documents import code_document, tree_document, work_order_document


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    @bp.get("/problem-codes")
    @requires(Permission.REQUESTS)
    def problem_code_tree() -> ResponseReturnValue:
        return jsonify({"departments": [tree_document(node)
                                        for node in services().problem_codes.tree()]})

    @bp.get("/problem-codes/search")
    @requires(Permission.REQUESTS)
    def find_problem_codes() -> ResponseReturnValue:
        found = services().problem_codes.find(request.args.get("q", ""))
        return jsonify({"codes": [code_document(code) for code in found]})

    @bp.get("/problem-codes/<id:code_id>")
    @requires(Permission.REQUESTS)
    def get_problem_code(code_id: int) -> ResponseReturnValue:
        return jsonify(code_document(services().problem_codes.get(code_id)))

    @bp.get("/work-orders")
    @requires(Permission.REQUESTS)
    def list_work_orders() -> ResponseReturnValue:
        errors: dict[str, str] = {}
        limit = whole_number(errors, "limit", request.args.get("limit"), default=50,
                             minimum=1, maximum=200)
        offset = whole_number(errors, "offset", request.args.get("offset"), default=0,
                              minimum=0, maximum=2**31 - 1)
        open_only = request.args.get("open", "false")
        if open_only not in ("true", "false"):
            errors["open"] = "must be true or false"
        if errors:
            raise ValidationError(errors)
        page = services().work_orders.page(state=request.args.get("state") or None,
                                           open_only=open_only == "true", limit=limit,
                                           offset=offset)
        return jsonify({"work_orders": [work_order_document(o) for o in page.items],
                        "total": page.total, "limit": page.limit, "offset": page.offset})

    @bp.get("/work-orders/<id:work_order_id>")
    @requires(Permission.REQUESTS)
    def get_work_order(work_order_id: int) -> ResponseReturnValue:
        return jsonify(work_order_document(services().work_orders.get(work_order_id)))

    @bp.post("/work-orders/<id:work_order_id>/state")
    @requires(Permission.WORK_ORDERS)
    def advance_work_order(work_order_id: int) -> ResponseReturnValue:
        body = json_body()
        unknown = sorted(set(body) - {"state", "note"})
        if unknown:
            raise ValidationError({name: "is not a field of a state change" for name in unknown})
        note = body.get("note", "")
        order = services().work_orders.advance(work_order_id, str(body.get("state") or ""),
                                               g.principal.agent_id,
                                               "" if note is None else note)
        return jsonify(work_order_document(order))
