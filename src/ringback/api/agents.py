"""/api/v1/agents: the people who take calls."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ringback.agents import AgentDirectory, agent_json
from ringback.api.auth import current_principal, requires
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    def directory() -> AgentDirectory:
        return services().agents

    @bp.get("/agents")
    @requires(Permission.AGENTS)
    def list_agents() -> ResponseReturnValue:
        return jsonify(agents=[agent_json(a) for a in directory().all()])

    @bp.post("/agents")
    @requires(Permission.AGENTS)
    def create_agent() -> ResponseReturnValue:
        agent = directory().create(json_body(), by=current_principal())
        return jsonify(agent_json(agent)), 201

    @bp.get("/agents/<id:agent_id>")
    @requires(Permission.AGENTS)
    def get_agent(agent_id: int) -> ResponseReturnValue:
        return jsonify(agent_json(directory().get(agent_id)))

    @bp.post("/agents/<id:agent_id>/token")
    @requires(Permission.AGENTS)
    def issue_token(agent_id: int) -> ResponseReturnValue:
        token = directory().issue_token(agent_id, by=current_principal())
        return jsonify(token=token), 201
