"""/api/v1/agents/<id>/presence, /endpoint and /softphone-token: an agent at work.

- ``POST /agents/<id>/presence`` ``{"state": "available"|"away"|"logged_out",
  "queues": [...]}``: the agent's own switch (``queues`` replaces the member
  queues; needed the first time).  Going available routes at once: the answer
  already shows an offer when a caller was waiting.
- ``GET /agents/<id>/presence``: state, queues, the offer or call held.
- ``PUT /agents/<id>/endpoint`` ``{"endpoint": "+4930..."|"sip:..."|"client:..."|null}``.
- ``GET /agents/<id>/softphone-token``: an access token for the browser softphone.

Agents act on themselves; changing another agent needs the ``agents``
permission and the manage rules of ``ringback.agents.check_manage`` (nobody
changes the owner, only the owner and admins change admins); reading
another's presence needs ``agents`` or ``live_queue``.  A softphone token is
only ever handed to the agent it is for.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ringback.agents import agent_json, check_manage
from ringback.api.auth import current_principal
from ringback.api.offers import offer_json
from ringback.callbacks.ticket import iso
from ringback.errors import PermissionDenied
from ringback.routing.presence import AgentStatus
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    @bp.post("/agents/<id:agent_id>/presence")
    def set_presence(agent_id: int) -> ResponseReturnValue:
        may_change_agent(agent_id)
        body = json_body()
        status = services().routing.presence.set(agent_id, body.get("state"),
                                                 body.get("queues"))
        return jsonify(presence_json(status))

    @bp.get("/agents/<id:agent_id>/presence")
    def get_presence(agent_id: int) -> ResponseReturnValue:
        may_read_agent(agent_id)
        services().agents.get(agent_id)  # 404 for an unknown agent
        return jsonify(presence_json(services().routing.presence.get(agent_id)))

    @bp.put("/agents/<id:agent_id>/endpoint")
    def set_endpoint(agent_id: int) -> ResponseReturnValue:
        may_change_agent(agent_id)
        agent = services().agents.set_endpoint(
            agent_id, json_body().get("endpoint"), by=current_principal())
        return jsonify(agent_json(agent))

    @bp.get("/agents/<id:agent_id>/softphone-token")
    def softphone_token(agent_id: int) -> ResponseReturnValue:
        if current_principal().agent_id != agent_id:
            raise PermissionDenied("a softphone token is only handed to its own agent")
        s = services()
        minted = s.routing.softphone.mint(s.agents.get(agent_id))
        return jsonify(token=minted.token, identity=minted.identity,
                       expires_at=iso(minted.expires_at))


def may_change_agent(agent_id: int) -> None:
    """Oneself, or someone the principal manages (404 for an unknown agent)."""
    from ringback.api import services

    principal = current_principal()
    if principal.agent_id == agent_id:
        return
    if not principal.may(Permission.AGENTS):
        raise PermissionDenied("agents act on themselves; others need the agents permission")
    check_manage(principal, services().agents.get(agent_id))


def may_read_agent(agent_id: int) -> None:
    principal = current_principal()
    if principal.agent_id == agent_id or principal.may(Permission.AGENTS) \
            or principal.may(Permission.LIVE_QUEUE):
        return
    raise PermissionDenied("agents see their own presence; others need the agents or "
                           "live_queue permission")


def presence_json(status: AgentStatus) -> dict[str, Any]:
    missed = status.missed
    return {
        "agent_id": status.agent_id,
        "state": status.state.value,
        "queues": list(status.queues),
        "idle_since": iso(status.idle_since),
        "wrap_up_until": iso(status.wrap_up_until),
        "away_since": iso(status.away_since),
        "missed": None if missed is None else {
            "offer": f"{missed.queue_id}:{missed.entry_id}" if missed.queue_id else None,
            "reason": missed.detail, "at": iso(missed.since)},
        "offer": None if status.offer is None else offer_json(status.offer),
    }
