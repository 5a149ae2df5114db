"""The viewer's own account: change the password, see and end sessions, and (with
the tickets area) choose the queues whose tickets their ticket views show."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import SIGNED_IN, Viewer, access, confirm_password, require_viewer
from ringback.console.audit import Actor, AuditAction
from ringback.console.context import audit_log, directory, services, session_store
from ringback.console.security import check_new_password
from ringback.console.web import clear_session_cookie, notify
from ringback.errors import PermissionDenied, ValidationError
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    @bp.get("/account")
    @access(SIGNED_IN)
    def account() -> ResponseReturnValue:
        return _page(require_viewer(), {})

    @bp.post("/account/password")
    @access(SIGNED_IN)
    def change_password() -> ResponseReturnValue:
        me = require_viewer()
        form = request.form
        errors: dict[str, str] = {}
        try:
            confirm_password(me, form.get("current_password"), field="current_password")
        except ValidationError as exc:
            errors.update(exc.errors)
        try:
            check_new_password(form.get("password"), form.get("repeat"))
        except ValidationError as exc:
            errors.update(exc.errors)
        if errors:
            return _page(me, errors), 422
        directory().set_password(me.agent.id, form.get("password", ""))
        ended = session_store().end_others(me.agent.id, keep_id=me.session_id)
        audit_log().record(Actor.of(me.agent), AuditAction.PASSWORD_CHANGED, target=me.agent.email,
                           details={"other_sessions_ended": ended})
        notify("Your password is changed." + (
            f" {ended} other session{'s' if ended != 1 else ''} ended." if ended else ""))
        return redirect(url_for("console.account"))

    @bp.post("/account/ticket-queues")
    @access(SIGNED_IN)
    def choose_ticket_queues() -> ResponseReturnValue:
        me = require_viewer()
        if not me.agent.holds(Permission.TICKETS):
            raise PermissionDenied("ticket queues need the tickets area")
        try:
            services().my_queues.choose(me.agent.id, request.form.getlist("queues"))
        except ValidationError as exc:
            return _page(me, {"queues": "Choose queues from the list."} if exc.errors else {}), \
                422
        notify("Your ticket queues are saved.")
        return redirect(url_for("console.account"))

    @bp.post("/account/sessions/<int:session_id>/end")
    @access(SIGNED_IN)
    def end_session(session_id: int) -> ResponseReturnValue:
        me = require_viewer()
        session_store().end(session_id, agent_id=me.agent.id)
        if session_id == me.session_id:
            response = make_response(redirect(url_for("console.login", notice="session_ended")))
            clear_session_cookie(response)
            return response
        notify("The session has ended.")
        return redirect(url_for("console.account"))

    @bp.post("/account/sessions/end-others")
    @access(SIGNED_IN)
    def end_other_sessions() -> ResponseReturnValue:
        me = require_viewer()
        ended = session_store().end_others(me.agent.id, keep_id=me.session_id)
        notify(f"{ended} other session{'s' if ended != 1 else ''} ended.")
        return redirect(url_for("console.account"))


def _page(me: Viewer, errors: dict[str, str]) -> str:
    ticket_queues = chosen = None
    if me.agent.holds(Permission.TICKETS):
        chosen = services().my_queues.of(me.agent.id)
        ticket_queues = sorted(_known_queues() | set(chosen))
    return render_template(
        "console/account.html", me=me.agent, errors=errors,
        sessions=session_store().for_agent(me.agent.id), current_session=me.session_id,
        ticket_queues=ticket_queues, chosen_ticket_queues=chosen or [],
    )


def _known_queues() -> set[str]:
    """The queues agents can pick: those numbers send callers to, configured ones,
    and those with a ticket SLA."""
    from ringback.callbacks.parts import configured_queue_ids

    s = services()
    return configured_queue_ids(s.numbers) | set(s.queue.configured()) | \
        set(s.queue_slas.configured())
