"""/api/v1/offers/<id>/accept and /reject: an agent answers an offer.

An offer's id is its entry ref ``<queue_id>:<entry_id>`` (``support:a7``), the
one shown in the agent's presence.  Both act as the agent behind the token;
the owner token names the agent with ``{"agent_id": 7}``.  A live caller
needs the ``live_queue`` permission, a callback ``callbacks``.

- accept: 202 with the offer; a callback is then called back, a live
  caller's softphone rung (a desk phone already rings: answering it
  connects).  404 when the entry left the queue, 409 when it is not offered
  to this agent, 422 when the agent has no endpoint.
- reject: 200 with the entry, back at its place and offered on.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ringback.api.auth import acting_agent, current_principal
from ringback.callbacks.ticket import iso
from ringback.errors import PermissionDenied
from ringback.parsing import ascii_whole
from ringback.queue.models import Entry, EntryKind
from ringback.routing.offers import OfferView
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import services

    def check(entry: Entry) -> None:
        needed = Permission.CALLBACKS if entry.kind is EntryKind.CALLBACK \
            else Permission.LIVE_QUEUE
        if not current_principal().may(needed):
            raise PermissionDenied(f"this needs the {needed.value} permission")

    @bp.post("/offers/<offer_id>/accept")
    def accept_offer(offer_id: str) -> ResponseReturnValue:
        offers = services().routing.offers
        agent = acting_agent()
        check(offers.get(offer_id))
        return jsonify(offer_json(offers.accept(offer_id, agent))), 202

    @bp.post("/offers/<offer_id>/reject")
    def reject_offer(offer_id: str) -> ResponseReturnValue:
        offers = services().routing.offers
        agent = acting_agent()
        check(offers.get(offer_id))
        return jsonify(offer_json(offers.reject(offer_id, agent)))


def offer_json(v: OfferView) -> dict[str, Any]:
    return {
        "id": v.id,
        "queue": v.queue_id,
        "kind": v.kind.value,
        "state": v.state.value,
        "agent_id": ascii_whole(v.agent_id) or v.agent_id,
        "caller_number": v.caller or None,
        "callback_number": v.callback_number or None,
        "number_dialled": v.dialled or None,
        "language": v.language or None,
        "intent": v.intent.value,
        "position": v.position,
        "wait_seconds": v.wait_seconds,
        "deadline": iso(v.deadline),
    }
