"""Log-in, log-out, the first-run setup page and accepting an invitation.

A log-in always opens a new server-side session with a new token (ending the
one the browser came with), so a session id planted before log-in is
worthless after it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import (
    PUBLIC,
    SIGNED_IN,
    access,
    client_address,
    require_viewer,
    viewer,
)
from ringback.console.audit import Actor, AuditAction
from ringback.console.context import (
    audit_log,
    directory,
    invitations,
    services,
    session_store,
    throttle,
)
from ringback.console.invitations import (
    InvitationFormExpired,
    InvitationUnusable,
    PasswordForm,
    link_token,
)
from ringback.console.owner import SETUP_CODE_FILE, create_owner, forget_setup_code, setup_code
from ringback.console.throttle import Limit, Refusal
from ringback.console.web import (
    SESSION_COOKIE,
    clear_session_cookie,
    csrf_binding,
    set_session_cookie,
)
from ringback.errors import Conflict, ValidationError

NOTICES = {
    "password_set": "Your password is set. Log in with it now.",
    "owner_created": "You are the owner now. Log in with your new password.",
    "logged_out": "You are logged out.",
    "session_ended": "Your session has ended. Log in again.",
}


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a path under /console, else the console's home.

    Never another host, and never a control character or backslash: a CR/LF
    would end up in the Location header (issue 17.6: a 500, after the
    session had been opened).
    """
    if target and _is_console_path(target):
        return target
    return url_for("console.home")


def _is_console_path(target: str) -> bool:
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    return parts.path == "/console" or parts.path.startswith("/console/")


def register(bp: Blueprint) -> None:
    @bp.route("/login", methods=["GET", "POST"])
    @access(PUBLIC)
    def login() -> ResponseReturnValue:
        if request.method == "GET":
            if viewer() is not None:
                return redirect(safe_next(request.args.get("next")))
            return _login_page(email=request.args.get("email", ""),
                               notice=NOTICES.get(request.args.get("notice", "")))
        email = request.form.get("email", "").strip().lower()
        password = request.form.get("password", "")
        limiter, address = throttle(), client_address()
        attempt = limiter.attempt(email, address)
        refusal = attempt.refused
        if refusal is None:
            agent = directory().check_password(email, password) if email else None
            if agent is not None:
                limiter.succeeded(email, address)
                return _start_session(agent.id, request.form.get("next"))
            refusal = attempt.if_wrong
            if refusal is None:
                return _login_page(email=email, error="The e-mail or the password is wrong."), 401
        retry_after = str(refusal.seconds_left(services().clock.now()))
        return (_login_page(email=email, error=_refusal_text(refusal)), 429,
                {"Retry-After": retry_after})

    @bp.post("/logout")
    @access(SIGNED_IN)
    def logout() -> ResponseReturnValue:
        session_store().end_token(require_viewer().session_token)
        response = redirect(url_for("console.login", notice="logged_out"))
        clear_session_cookie(response)
        return response

    @bp.route("/setup", methods=["GET", "POST"])
    @access(PUBLIC)
    def setup() -> ResponseReturnValue:
        s = services()
        if directory().owner_exists():
            return redirect(url_for("console.login"))
        code_file = s.settings.data_dir / SETUP_CODE_FILE
        expected = setup_code(s.settings.data_dir)
        form = request.form
        if request.method == "GET":
            return render_template("console/setup.html", code_file=code_file, form={}, errors={})
        errors: dict[str, str] = {}
        if form.get("setup_code", "").strip() != expected:
            errors["setup_code"] = f"is not the code in {code_file}"
        elif form.get("password") != form.get("repeat"):
            errors["repeat"] = "must be the same password as above"
        else:
            try:
                create_owner(s.db, s.clock, form.get("email", ""), form.get("name", ""),
                             form.get("password", ""), via="first-run page")
            except ValidationError as exc:
                errors = exc.errors
            except Conflict:
                return redirect(url_for("console.login"))
        if errors:
            return render_template("console/setup.html", code_file=code_file, form=form,
                                   errors=errors), 422
        forget_setup_code(s.settings.data_dir)
        email = form.get("email", "").strip().lower()
        return redirect(url_for("console.login", notice="owner_created", email=email))

    @bp.get("/invitation")
    @access(PUBLIC)
    def invitation() -> ResponseReturnValue:
        # The link's token is in the fragment, which never reaches us: the
        # page's script posts it, or the agent pastes the link.
        return _invitation_page("open")

    @bp.post("/invitation")
    @access(PUBLIC)
    def open_invitation() -> ResponseReturnValue:
        try:
            form = invitations().open_link(link_token(request.form.get("token", "")),
                                           csrf_binding())
        except InvitationUnusable:
            return _invitation_page("gone"), 410
        return _invitation_page("password", form=form)

    @bp.post("/invitation/password")
    @access(PUBLIC)
    def accept_invitation() -> ResponseReturnValue:
        invites = invitations()
        try:
            form = invites.form(request.form.get("form_token", ""), csrf_binding())
        except InvitationFormExpired:
            return _invitation_page("expired"), 410
        except InvitationUnusable:
            return _invitation_page("gone"), 410
        try:
            agent = invites.accept(form, request.form.get("password", ""),
                                   request.form.get("repeat", ""))
        except ValidationError as exc:
            return _invitation_page("password", form=form, errors=exc.errors), 422
        except InvitationUnusable:  # used up by another tab a moment ago
            return _invitation_page("gone"), 410
        session_store().end_others(agent.id, keep_id=None)
        audit_log().record(Actor.of(agent), AuditAction.PASSWORD_SET, target=agent.email,
                           details={"via": "invitation"})
        return redirect(url_for("console.login", notice="password_set", email=agent.email))

    @bp.route("/invitations/<path:_token>", methods=["GET", "POST"])
    @access(PUBLIC)
    def retired_invitation(_token: str) -> ResponseReturnValue:
        """Links of mails sent before the token moved to the fragment: their token was
        in access logs, so they were retired at the upgrade (migration 0006)."""
        return _invitation_page("retired"), 410


def _invitation_page(step: str, *, form: PasswordForm | None = None,
                     errors: dict[str, str] | None = None) -> str:
    return render_template("console/invitation.html", step=step, form=form,
                           errors=errors or {})


def _refusal_text(refusal: Refusal) -> str:
    wait = refusal.wait_text(services().clock.now())
    if refusal.limit is Limit.ADDRESS:
        return f"Too many failed log-ins from your network. Try again in {wait}."
    return f"Too many failed log-ins for this e-mail address. Try again in {wait}."


def _login_page(*, email: str = "", error: str | None = None,
                notice: str | None = None) -> str:
    return render_template(
        "console/login.html", email=email, error=error, notice=notice,
        next=request.values.get("next", ""), no_owner=not directory().owner_exists(),
    )


def _start_session(agent_id: int, target: str | None) -> ResponseReturnValue:
    destination = safe_next(target)  # checked before any session row is written
    store = session_store()
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        store.end_token(old)
    token = store.start(
        agent_id,
        user_agent=request.headers.get("User-Agent", ""),
        ip_address=client_address(),
    )
    response = make_response(redirect(destination))
    set_session_cookie(response, token)
    return response
