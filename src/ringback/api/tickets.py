"""/api/v1/tickets: the built-in ticket store, read-only.

``GET /tickets`` filters by ``status``, ``subject`` (exact) and ``requester``
and pages with ``limit`` (1-200, default 50) and ``offset``, newest first;
``GET /tickets/<id>`` adds the comments, oldest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import requires
from ringback.store.models import Permission
from ringback.tickets import BuiltinTicketSink, CommentRecord, TicketRecord
from ringback.tickets.builtin import DEFAULT_LIMIT


def register(bp: Blueprint) -> None:
    from ringback.api import services

    def store() -> BuiltinTicketSink:
        return services().tickets

    @bp.get("/tickets")
    @requires(Permission.TICKETS)
    def list_tickets() -> ResponseReturnValue:
        args = request.args
        filters = {name: args.get(name) for name in ("status", "subject", "requester")}
        limit, offset = args.get("limit"), args.get("offset")
        sink = store()
        page = sink.list(**filters, limit=limit, offset=offset)
        return jsonify(
            tickets=[ticket_json(t) for t in page],
            total=sink.count(**filters),
            limit=int(limit) if limit else DEFAULT_LIMIT,
            offset=int(offset) if offset else 0,
        )

    @bp.get("/tickets/<id:ticket_id>")
    @requires(Permission.TICKETS)
    def get_ticket(ticket_id: int) -> ResponseReturnValue:
        ticket = store().get(ticket_id)
        body = ticket_json(ticket)
        body["comments"] = [comment_json(c) for c in ticket.comments]
        return jsonify(body)


def ticket_json(ticket: TicketRecord) -> dict[str, Any]:
    return {
        "id": int(ticket.id),
        "subject": ticket.subject,
        "requester": ticket.requester,
        "description": ticket.description,
        "status": ticket.status.value,
        "data": ticket.data,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
    }


def comment_json(comment: CommentRecord) -> dict[str, Any]:
    return {
        "id": int(comment.id),
        "body": comment.body,
        "internal": comment.internal,
        "author": comment.author,
        "created_at": _iso(comment.created_at),
    }


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")
