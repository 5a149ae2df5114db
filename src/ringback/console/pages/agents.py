"""The agents pages: list, add (with an invitation mail), change, re-invite, remove.

Every change asks for the viewer's password again and lands in the audit
log; the directory enforces the 50-agent limit and who may grant what.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.agents import MAX_AGENTS, AgentLimitReached, check_manage, validate_agent
from ringback.console.access import Viewer, access, area, confirm_password, require_viewer
from ringback.console.audit import Actor, AuditAction
from ringback.console.context import audit_log, directory, invitations, services
from ringback.console.web import notify
from ringback.errors import Conflict, ValidationError
from ringback.store.models import Agent, Permission, Role

AGENTS = area(Permission.AGENTS)


def register(bp: Blueprint) -> None:
    @bp.get("/agents")
    @access(AGENTS)
    def agents() -> ResponseReturnValue:
        people = directory().all()
        return render_template(
            "console/agents.html", agents=people, pending=invitations().pending(),
            limit=MAX_AGENTS, full=len(people) >= MAX_AGENTS,
        )

    @bp.route("/agents/new", methods=["GET", "POST"])
    @access(AGENTS)
    def new_agent() -> ResponseReturnValue:
        me = require_viewer()
        if request.method == "GET":
            return _form_page(me, None, {"role": Role.CUSTOM.value, "permissions": []}, {})
        payload = _payload(request.form)
        errors = _checked(me, payload)
        if errors:
            return _form_page(me, None, payload, errors), 422
        try:
            agent = directory().create(payload, by=me.principal)
        except AgentLimitReached as exc:
            return _form_page(me, None, payload, {}, limit_error=str(exc)), 409
        except ValidationError as exc:
            return _form_page(me, None, payload, exc.errors), 422
        invitations().invite(agent, invited_by=me.agent)
        audit_log().record(Actor.of(me.agent), AuditAction.AGENT_INVITED, target=agent.email,
                           details={"role": agent.role, "permissions": agent.permissions})
        notify(f"{agent.name} is added; an invitation went to {agent.email}.")
        return redirect(url_for("console.agents"))

    @bp.route("/agents/<int:agent_id>", methods=["GET", "POST"])
    @access(AGENTS)
    def edit_agent(agent_id: int) -> ResponseReturnValue:
        me = require_viewer()
        agent = directory().get(agent_id)
        if request.method == "GET":
            return _form_page(me, agent, _values(agent), {})
        payload = _payload(request.form, email=agent.email)
        errors = _checked(me, payload)
        if errors:
            return _form_page(me, agent, payload, errors), 422
        before = _values(agent)
        try:
            agent = directory().update(agent_id, payload, by=me.principal)
        except ValidationError as exc:
            return _form_page(me, agent, payload, exc.errors), 422
        after = _values(agent)
        changed = {k: after[k] for k in ("name", "role", "permissions") if before[k] != after[k]}
        if changed:
            audit_log().record(Actor.of(me.agent), AuditAction.AGENT_CHANGED,
                               target=agent.email, details=changed)
        notify(f"{agent.name} is saved." if changed else "Nothing changed.")
        return redirect(url_for("console.agents"))

    @bp.post("/agents/<int:agent_id>/invite")
    @access(AGENTS)
    def reinvite_agent(agent_id: int) -> ResponseReturnValue:
        me = require_viewer()
        agent = directory().get(agent_id)
        refused = _refused_unless_confirmed(me, agent)
        if refused is not None:
            return refused
        check_manage(me.principal, agent)
        invitations().invite(agent, invited_by=me.agent)
        audit_log().record(Actor.of(me.agent), AuditAction.INVITATION_RESENT, target=agent.email)
        notify(f"A new invitation went to {agent.email}; older links no longer work.")
        return redirect(url_for("console.edit_agent", agent_id=agent.id))

    @bp.post("/agents/<int:agent_id>/remove")
    @access(AGENTS)
    def remove_agent(agent_id: int) -> ResponseReturnValue:
        me = require_viewer()
        agent = directory().get(agent_id)
        refused = _refused_unless_confirmed(me, agent)
        if refused is not None:
            return refused
        try:
            removed = services().routing.presence.remove(agent_id, by=me.principal)
        except Conflict as exc:
            return _form_page(me, agent, _values(agent), {}, limit_error=str(exc)), 409
        audit_log().record(Actor.of(me.agent), AuditAction.AGENT_REMOVED, target=removed.email,
                           details={"name": removed.name, "role": removed.role})
        notify(f"{removed.name} ({removed.email}) is removed and signed out everywhere.")
        return redirect(url_for("console.agents"))


def _refused_unless_confirmed(me: Viewer, agent: Agent) -> ResponseReturnValue | None:
    """The agent's page with the error when the viewer's password was not given again."""
    try:
        confirm_password(me, request.form.get("confirm_password"))
    except ValidationError as exc:
        return _form_page(me, agent, _values(agent), {}, action_errors=exc.errors), 422
    return None


def _payload(form: Any, email: str | None = None) -> dict[str, Any]:
    return {
        "name": form.get("name", ""),
        "email": email if email is not None else form.get("email", ""),
        "role": form.get("role", Role.CUSTOM.value),
        "permissions": form.getlist("permissions"),
        "confirm_password": form.get("confirm_password"),
    }


def _checked(me: Viewer, payload: dict[str, Any]) -> dict[str, str]:
    """Every problem of the form at once: the fields and the password check."""
    errors: dict[str, str] = {}
    try:
        validate_agent(payload)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        confirm_password(me, payload.pop("confirm_password", None))
    except ValidationError as exc:
        errors.update(exc.errors)
    return errors


def _values(agent: Agent) -> dict[str, Any]:
    return {"name": agent.name, "email": agent.email, "role": agent.role,
            "permissions": sorted(agent.permissions or [])}


def _form_page(me: Viewer, agent: Agent | None, values: dict[str, Any], errors: dict[str, str],
               *, limit_error: str | None = None,
               action_errors: dict[str, str] | None = None) -> str:
    count = directory().count()
    if agent is None and limit_error is None and count >= MAX_AGENTS:
        limit_error = str(AgentLimitReached())
    return render_template(
        "console/agent_form.html", agent=agent, values=values, errors=errors,
        action_errors=action_errors or {}, limit_error=limit_error,
        permissions=list(Permission), me=me, count=count, limit=MAX_AGENTS,
        pending=agent is not None and agent.id in invitations().pending(),
    )
