"""/api/v1/tickets: the helpdesk.  Every route needs the tickets permission.

- ``GET /tickets``: a page of tickets; filters of ``ringback.tickets.listing``
  plus ``my_queues=true`` (the calling agent's chosen queues); ``sort``,
  ``limit`` (1-200, default 50), ``offset``.  ``GET /tickets/counts``: tickets
  per state under the same filters.
- ``POST /tickets``, ``PATCH /tickets/<id>``: create and change (``TicketDesk``).
- ``POST /tickets/<id>/lock`` (the owner token names ``agent_id``), ``/unlock``.
- ``POST /tickets/<id>/articles``; ``GET /tickets/<id>`` with its articles
  (``comments``), ``GET /tickets/<id>/history``.
A ticket locked by another agent answers 409 unless the caller is an admin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import acting_agent, current_principal, requires
from ringback.errors import ValidationError
from ringback.store.models import Permission, Role
from ringback.tickets import CommentRecord, TicketRecord
from ringback.tickets.desk import Actor
from ringback.tickets.history import HistoryRecord


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    def my_queues() -> list[str] | None:
        wanted = request.args.get("my_queues")
        if wanted in (None, "", "false"):
            return None
        if wanted != "true":
            raise ValidationError({"my_queues": "must be true or false"})
        agent_id = current_principal().agent_id
        if agent_id is None:
            raise ValidationError({"my_queues": "needs an agent's token (the owner token has "
                                                "no queues of its own)"})
        return services().my_queues.of(agent_id)

    @bp.get("/tickets")
    @requires(Permission.TICKETS)
    def list_tickets() -> ResponseReturnValue:
        page = services().ticket_listing.page(request.args, my_queues())
        return jsonify(tickets=[ticket_json(t) for t in page.items], total=page.total,
                       limit=page.limit, offset=page.offset)

    @bp.get("/tickets/counts")
    @requires(Permission.TICKETS)
    def count_tickets() -> ResponseReturnValue:
        return jsonify(counts=services().ticket_listing.counts(request.args, my_queues()))

    @bp.post("/tickets")
    @requires(Permission.TICKETS)
    def create_ticket() -> ResponseReturnValue:
        return jsonify(ticket_json(services().ticket_desk.create(json_body(), actor()))), 201

    @bp.get("/tickets/<id:ticket_id>")
    @requires(Permission.TICKETS)
    def get_ticket(ticket_id: int) -> ResponseReturnValue:
        ticket = services().ticket_desk.get(ticket_id)
        body = ticket_json(ticket)
        body["comments"] = [comment_json(c) for c in ticket.comments]
        return jsonify(body)

    @bp.patch("/tickets/<id:ticket_id>")
    @requires(Permission.TICKETS)
    def update_ticket(ticket_id: int) -> ResponseReturnValue:
        return jsonify(ticket_json(services().ticket_desk.update(ticket_id, json_body(),
                                                                 actor())))

    @bp.post("/tickets/<id:ticket_id>/lock")
    @requires(Permission.TICKETS)
    def lock_ticket(ticket_id: int) -> ResponseReturnValue:
        return jsonify(ticket_json(services().ticket_desk.lock(ticket_id, acting_agent(),
                                                               actor())))

    @bp.post("/tickets/<id:ticket_id>/unlock")
    @requires(Permission.TICKETS)
    def unlock_ticket(ticket_id: int) -> ResponseReturnValue:
        return jsonify(ticket_json(services().ticket_desk.unlock(ticket_id, actor())))

    @bp.post("/tickets/<id:ticket_id>/articles")
    @requires(Permission.TICKETS)
    def add_article(ticket_id: int) -> ResponseReturnValue:
        who = actor()
        author = services().agents.get(who.agent_id).name if who.agent_id else None
        article = services().ticket_desk.add_article(ticket_id, json_body(), who, author)
        return jsonify(comment_json(article)), 201

    @bp.get("/tickets/<id:ticket_id>/history")
    @requires(Permission.TICKETS)
    def ticket_history(ticket_id: int) -> ResponseReturnValue:
        return jsonify(history=[history_json(h)
                                for h in services().ticket_desk.history(ticket_id)])


def actor() -> Actor:
    principal = current_principal()
    return Actor(principal.agent_id, principal.role in (Role.OWNER, Role.ADMIN))


def ticket_json(ticket: TicketRecord) -> dict[str, Any]:
    return {
        "id": int(ticket.id),
        "number": ticket.number,
        "subject": ticket.subject,
        "requester": ticket.requester,
        "description": ticket.description,
        "status": ticket.status.value,
        "state": ticket.state,
        "queue": ticket.queue,
        "priority": ticket.priority,
        "owner_agent_id": ticket.owner_agent_id,
        "locked_by_agent_id": ticket.locked_by_agent_id,
        "customer_id": ticket.customer_id,
        "customer_user_id": ticket.customer_user_id,
        "pending_until": _iso(ticket.pending_until),
        "first_response_at": _iso(ticket.first_response_at),
        "first_response_due": _iso(ticket.first_response_due),
        "update_due": _iso(ticket.update_due),
        "solution_due": _iso(ticket.solution_due),
        "data": ticket.data,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
    }


def comment_json(comment: CommentRecord) -> dict[str, Any]:
    return {
        "id": int(comment.id),
        "kind": comment.kind,
        "body": comment.body,
        "internal": comment.internal,
        "author": comment.author,
        "author_agent_id": comment.author_agent_id,
        "created_at": _iso(comment.created_at),
    }


def history_json(entry: HistoryRecord) -> dict[str, Any]:
    return {"id": entry.id, "field": entry.field, "old": entry.old, "new": entry.new,
            "agent_id": entry.agent_id, "at": _iso(entry.at)}


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat().replace("+00:00", "Z")
