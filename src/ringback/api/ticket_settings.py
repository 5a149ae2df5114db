"""Settings of the helpdesk: a queue's ticket SLA and an agent's "my queues".

- ``GET|PUT|DELETE /queues/<queue_id>/sla`` (numbers permission, as the
  queue's other settings): minutes to first response, between updates and
  to the solution, and optional business hours with their time zone.
  ``GET`` of a queue without one shows every field null.
- ``GET|PUT /agents/<id>/ticket-queues`` ``{"queues": [...]}``: the queues
  the agent's ticket views show (``GET /tickets?my_queues=true``); agents
  set their own, others need the agents permission.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ringback.api.auth import requires
from ringback.api.presence import may_change_agent, may_read_agent
from ringback.store.models import Permission
from ringback.tickets.sla import QueueSla, check_queue_id


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    @bp.get("/queues/<queue_id>/sla")
    @requires(Permission.NUMBERS)
    def get_sla(queue_id: str) -> ResponseReturnValue:
        sla = services().queue_slas.get(check_queue_id("queue_id", queue_id))
        return jsonify({"queue_id": queue_id, **sla.to_json()})

    @bp.put("/queues/<queue_id>/sla")
    @requires(Permission.NUMBERS)
    def put_sla(queue_id: str) -> ResponseReturnValue:
        check_queue_id("queue_id", queue_id)
        sla = services().queue_slas.put(queue_id, QueueSla.from_json(json_body()))
        return jsonify({"queue_id": queue_id, **sla.to_json()})

    @bp.delete("/queues/<queue_id>/sla")
    @requires(Permission.NUMBERS)
    def delete_sla(queue_id: str) -> ResponseReturnValue:
        services().queue_slas.delete(queue_id)
        return "", 204

    @bp.get("/agents/<id:agent_id>/ticket-queues")
    def get_ticket_queues(agent_id: int) -> ResponseReturnValue:
        may_read_agent(agent_id)
        return jsonify(agent_id=agent_id, queues=services().my_queues.of(agent_id))

    @bp.put("/agents/<id:agent_id>/ticket-queues")
    def put_ticket_queues(agent_id: int) -> ResponseReturnValue:
        may_change_agent(agent_id)
        queues = services().my_queues.choose(agent_id, json_body().get("queues"))
        return jsonify(agent_id=agent_id, queues=queues)
