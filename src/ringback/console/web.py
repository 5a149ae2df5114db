"""The console blueprint: session loading, CSRF, permission checks, error pages.

Every request to /console passes ``_guard``: it finds the session behind the
cookie, demands a CSRF token on every form post, and applies the view's
``@access`` rule (redirect to log-in, or the 403 page).  Pages are modules
with a ``register(bp)`` function listed in ``PAGE_MODULES``.
"""

from __future__ import annotations

import importlib
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ringback.agents import Principal
from ringback.console.access import Viewer, area_label, rule_of, viewer
from ringback.console.context import mailer, notices, services, session_store
from ringback.console.nav import visible_entries
from ringback.console.notices import Notice
from ringback.console.security import csrf_matches, csrf_token, new_token
from ringback.errors import NotFound, PermissionDenied
from ringback.store.console import as_utc
from ringback.store.models import Permission

SESSION_COOKIE = "ringback_session"
ANON_COOKIE = "ringback_csrf"
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PAGE_MODULES = (
    "ringback.console.auth",
    "ringback.console.pages.home",
    "ringback.console.pages.agents",
    "ringback.console.pages.account",
    "ringback.console.pages.settings",
    "ringback.console.pages.audit",
    "ringback.console.pages.outbox",
    "ringback.console.pages.helpdesk_outbox",
    "ringback.console.pages.board",
    "ringback.console.pages.callbacks",
    "ringback.console.pages.numbers",
    "ringback.console.pages.queues",
    "ringback.console.pages.reports",
    "ringback.console.pages.booking_setup",
    "ringback.console.pages.bookings",
    "ringback.console.pages.caller",
    "ringback.console.pages.tickets",
    "ringback.console.pages.customers",
    "ringback.console.pages.service_requests",
    "ringback.console.pages.request_volume",
    "ringback.console.pages.knowledge",
    "ringback.console.pages.work_orders",
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class CsrfRejected(Exception):
    """A form came without this browser's CSRF token."""


def create_console_blueprint() -> Blueprint:
    bp = Blueprint(
        "console", __name__, url_prefix="/console",
        template_folder="templates", static_folder="static",
    )
    for name in PAGE_MODULES:
        importlib.import_module(name).register(bp)
    bp.before_request(_guard)
    bp.after_request(_finish)
    bp.context_processor(_template_context)
    bp.register_error_handler(PermissionDenied, _forbidden)
    bp.register_error_handler(NotFound, _not_found)
    bp.register_error_handler(CsrfRejected, _csrf_rejected)
    return bp


def register(app: Flask) -> None:
    app.register_blueprint(create_console_blueprint())

    def root() -> ResponseReturnValue:
        return redirect(url_for("console.home"))

    app.add_url_rule("/", "console_root", root)


def _guard() -> ResponseReturnValue | None:
    if request.endpoint == "console.static":
        g.viewer = None
        return None
    g.viewer = _load_viewer()
    rule = rule_of(current_app.view_functions.get(request.endpoint or ""))
    if rule is None:
        raise PermissionDenied("this page declares no access rule")
    if rule.signed_in and g.viewer is None:
        if wants_json():
            return jsonify(error="log in to the console first"), 401
        target = request.full_path if request.method == "GET" else request.path
        return redirect(url_for("console.login") + "?next=" + quote(target.rstrip("?")))
    if request.method in UNSAFE_METHODS:
        given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
        if not csrf_matches(services().settings.secret_key, csrf_binding(), given):
            raise CsrfRejected()
    if not rule.allows(g.viewer):
        raise PermissionDenied(f"this page needs {rule.describe()}")
    return None


def _load_viewer() -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    found = session_store().resolve(token) if token else None
    if found is None:
        return None
    record, agent = found
    return Viewer(agent, Principal.of(agent), record.id, token)


def csrf_binding() -> str:
    """What this browser's CSRF token is bound to: its session, or its anonymous cookie."""
    current = viewer()
    if current is not None:
        return "session:" + current.session_token
    anon = request.cookies.get(ANON_COOKIE) or g.get("new_anon")
    if not anon:
        anon = g.new_anon = new_token()
    return "anon:" + anon


def form_token() -> str:
    return csrf_token(services().settings.secret_key, csrf_binding())


def cookie_options() -> dict[str, Any]:
    secure = services().settings.public_base_url.startswith("https://")
    return {"httponly": True, "samesite": "Lax", "secure": secure, "path": "/"}


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, **cookie_options())
    response.delete_cookie(ANON_COOKIE, path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def notify(text: str, *, error: bool = False) -> None:
    """Show ``text`` once on the viewer's next page: green, or red when ``error``
    (a refusal, in words that say what to do next)."""
    current = viewer()
    if current is not None:
        notices().push(current.session_token, text, error=error)


def _finish(response: Response) -> Response:
    if g.get("new_anon") and SESSION_COOKIE not in _cookies_set(response):
        response.set_cookie(ANON_COOKIE, g.new_anon, **cookie_options())
    if request.endpoint != "console.static":
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "no-store"
        if g.get("media_origins"):
            response.headers["Content-Security-Policy"] += (
                "; media-src 'self' " + " ".join(g.media_origins))
    return response


def allow_media_from(origins: list[str]) -> None:
    """Let this page play recordings from these sites (the number form's previews).

    Only ``scheme://host[:port]`` origins pass; the rest of the policy stays.
    """
    g.media_origins = [o for o in origins if _ORIGIN.fullmatch(o)]


def _cookies_set(response: Response) -> set[str]:
    return {h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")}


def _template_context() -> dict[str, Any]:
    current = viewer()

    def page_notices() -> list[Notice]:
        # Taken only when a whole page shows them: a fragment fetched by the
        # board's script in the meantime must not swallow the notice of the
        # page the browser is being redirected to.
        if "page_notices" not in g:
            g.page_notices = notices().pop_all(current.session_token) if current else []
        return g.page_notices  # type: ignore[no-any-return]

    hidden = frozenset() if mailer().uses_outbox else frozenset({"console.outbox_list"})
    return {
        "viewer": current,
        "nav_groups": visible_entries(current, current_app.view_functions, hidden=hidden),
        "csrf_token": form_token,
        "page_notices": page_notices,
        "area_label": area_label,
        "requests_permission": Permission.REQUESTS,
        "area_names": area_names,
        "role_label": role_label,
        "fmt_time": fmt_time,
        "browser_name": browser_name,
    }


def role_label(role: str) -> str:
    return {"owner": "Owner", "admin": "Admin"}.get(role, "Agent")


def area_names(permissions: list[str] | None) -> str:
    known = [p for p in Permission if p.value in (permissions or [])]
    return ", ".join(area_label(p) for p in known)


def fmt_time(value: datetime | None) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def browser_name(user_agent: str) -> str:
    """A short name for a session's browser; the full string says too much to read."""
    for marker, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                         ("Chromium/", "Chromium"), ("Safari/", "Safari")):
        if marker in user_agent:
            return name + (" on Android" if "Android" in user_agent else
                           " on iPhone" if "iPhone" in user_agent else
                           " on Windows" if "Windows" in user_agent else
                           " on macOS" if "Mac OS" in user_agent else
                           " on Linux" if "Linux" in user_agent else "")
    return user_agent[:40] or "Unknown browser"


def wants_json() -> bool:
    """Script calls of console pages (fetch with Accept: application/json) get JSON errors."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _forbidden(exc: PermissionDenied) -> ResponseReturnValue:
    message = str(exc) or "you may not do this"
    if wants_json():
        return jsonify(error=message), 403
    return render_template("console/error.html", title="No access", code=403,
                           message=message[0].upper() + message[1:] + "."), 403


def _not_found(exc: NotFound) -> ResponseReturnValue:
    return render_template("console/error.html", title="Not found", code=404,
                           message=f"There is no {exc.what} with this id."), 404


def _csrf_rejected(_exc: CsrfRejected) -> ResponseReturnValue:
    if wants_json():
        return jsonify(error="send the page's CSRF token in the X-CSRF-Token header"), 400
    message = ("This form has expired or did not come from ringback. "
               "Go back, reload the page and try again.")
    return render_template("console/error.html", title="Form expired", code=400,
                           message=message), 400
