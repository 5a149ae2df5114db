"""The Flask application factory: the web process's one wiring point.

Request bodies are limited (413 beyond): ``ringback.api.body.MAX_BODY`` (1 MB)
for the JSON API and the console, ``WEBHOOK_MAX_BODY`` for Twilio's webhooks.
"""

from __future__ import annotations

from flask import Flask, Request, jsonify, redirect, request, url_for
from flask.sessions import SessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ringback.api.body import MAX_BODY
from ringback.services import Services
from ringback.settings import Settings

# Twilio's voice parameters are a few hundred bytes; 64 KB is also Twilio's own
# cap on the TwiML it takes back (error 11750).
WEBHOOK_MAX_BODY = 64 * 1024


class NoCookieSession(SessionInterface):
    """Flask's signed-cookie session, switched off.

    The console keeps its sessions server-side (``ringback.console.sessions``)
    and nothing uses ``flask.session``; opening it anyway would build a
    signing serializer on every request, Twilio's hold loop included.  Code
    that writes to ``flask.session`` now fails loudly (Flask's NullSession).
    """

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        return None

    def save_session(self, app: Flask, session: SessionMixin, response: object) -> None:
        return None


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    """Build the web app; ``services`` lets a test or ``serve`` share its own."""
    services = services or Services.from_settings(settings)
    app = Flask(__name__)
    app.session_interface = NoCookieSession()
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=MAX_BODY)
    app.extensions["ringback"] = services

    @app.before_request
    def _webhook_body_limit() -> None:
        if request.blueprint == "webhooks":
            request.max_content_length = WEBHOOK_MAX_BODY

    from ringback.api import create_api_blueprint

    app.register_blueprint(create_api_blueprint())

    from ringback.webhooks import register_webhooks

    register_webhooks(app, services)

    from ringback.console import register_console

    register_console(app)

    from ringback.calendar_feed import register_calendar_feed

    register_calendar_feed(app, services)

    from ringback.observability.exposition import register_metrics

    register_metrics(app, services)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        health = services.health.run()
        return jsonify(health.to_json()), 200 if health.ok else 503

    @app.get("/favicon.ico")
    def favicon() -> ResponseReturnValue:
        """Browsers ask for it on every site; the console's icon answers."""
        return redirect(url_for("console.static", filename="favicon.svg"), 301)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return jsonify(error=exc.description), exc.code or 500
        return exc

    return app
