"""/api/v1/callbacks: list callbacks, call one back, decline one.

A callback's id is its queue entry ref, ``<queue_id>:<entry_id>`` (e.g.
``sales:a7``): it exists from the moment the caller asks, before any SQL
record is written, and stays the same for the record afterwards.

``POST /callbacks/<id>/call`` and ``/decline`` act as the agent behind the
token; the owner token names the agent with ``{"agent_id": 7}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import acting_agent, requires
from ringback.callbacks.records import AttemptRecord
from ringback.callbacks.states import CallbackView
from ringback.callbacks.ticket import attempt_json, iso
from ringback.parsing import ascii_whole
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import services

    @bp.get("/callbacks")
    @requires(Permission.CALLBACKS)
    def list_callbacks() -> ResponseReturnValue:
        args = request.args
        page = services().callback_listing.page(
            state=args.get("state"), queue_id=args.get("queue"),
            limit=args.get("limit"), offset=args.get("offset"))
        return jsonify(callbacks=[callback_json(v) for v in page.callbacks], total=page.total,
                       limit=page.limit, offset=page.offset)

    @bp.get("/callbacks/<ref>")
    @requires(Permission.CALLBACKS)
    def get_callback(ref: str) -> ResponseReturnValue:
        return jsonify(callback_json(services().callback_listing.one(ref)))

    @bp.post("/callbacks/<ref>/call")
    @requires(Permission.CALLBACKS)
    def call_callback(ref: str) -> ResponseReturnValue:
        s = services()
        agent = s.agents.get(acting_agent())
        s.callbacks.call(ref, agent.id, agent.endpoint)
        return jsonify(callback_json(s.callback_listing.one(ref))), 202

    @bp.post("/callbacks/<ref>/decline")
    @requires(Permission.CALLBACKS)
    def decline_callback(ref: str) -> ResponseReturnValue:
        services().routing.offers.decline_callback(ref, acting_agent())
        return jsonify(callback_json(services().callback_listing.one(ref)))


def callback_json(v: CallbackView) -> dict[str, Any]:
    return {
        "id": v.ref,
        "queue": v.queue_id,
        "state": v.state.value,
        "outcome": v.outcome.value if v.outcome else None,
        "caller_number": v.caller or None,
        "callback_number": v.callback_number,
        "number_dialled": v.dialled or None,
        "language": v.language or None,
        "requested_at": iso(v.requested_at),
        "position": v.position,
        "wait_seconds": v.wait_seconds,
        "agent_id": v.agent_id,
        "called_at": iso(v.called_at),
        "handle_seconds": v.handle_seconds,
        "ticket_id": ascii_whole(v.ticket_id) or v.ticket_id,
        "expired_at": iso(v.expired_at),
        "done_at": iso(v.done_at),
        "attempts": [_attempt(a) for a in v.attempts],
    }


def _attempt(a: AttemptRecord) -> dict[str, Any]:
    out = attempt_json(a)
    out["call_sid"] = a.call_sid
    out["ended_at"] = iso(a.ended_at)
    return out
