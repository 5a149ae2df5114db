"""The Flask application factory: the web process's one wiring point."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ringback.health import HealthCheck
from ringback.services import Services
from ringback.settings import Settings


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    """Build the web app; ``services`` lets a test or ``serve`` share its own."""
    services = services or Services.from_settings(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
    )
    app.extensions["ringback"] = services

    from ringback.api import create_api_blueprint

    app.register_blueprint(create_api_blueprint())

    from ringback.webhooks import create_webhooks_blueprint

    app.register_blueprint(create_webhooks_blueprint(services))

    from ringback.console import register_console

    register_console(app)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        health = HealthCheck(services.redis, services.db, services.clock).run()
        return jsonify(health.to_json()), 200 if health.ok else 503

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return jsonify(error=exc.description), exc.code or 500
        return exc

    return app
