"""Twilio's voice webhooks: check the signature, parse, ask the journey, answer TwiML.

``POST /twilio/voice`` is a number's "A call comes in" URL and
``POST /twilio/status`` its status callback; every other route is one our
own TwiML hands to Twilio (``ringback.ivr.urls``). A forged or missing
signature gets 403. Anything else that goes wrong becomes an apology in
TwiML with status 200, and a logged event (``ringback.webhooks.fallback``).
The hold loop's route is answered in front of Flask, by
``ringback.webhooks.hold_loop``, with the same journey and signature check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, g, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ringback.calls.journey import CallJourney
from ringback.calls.request import CallRequest
from ringback.ivr.urls import DEFAULT_PATHS, Route
from ringback.observability import recorder
from ringback.services import Services
from ringback.webhooks import agent, outbound
from ringback.webhooks.fallback import apology, twiml_response
from ringback.webhooks.hold_loop import HoldLoopPath
from ringback.webhooks.signature import SignatureCheck

log = logging.getLogger(__name__)

STATUS_PATH = "/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def register_webhooks(app: Flask, services: Services) -> None:
    """Twilio's webhooks on ``app``: the blueprint, with the hold loop's path in front."""
    settings = services.settings
    journey = services.journey
    signatures = SignatureCheck(settings.webhook_auth_token, settings.public_base_url)
    app.register_blueprint(create_webhooks_blueprint(journey, signatures))
    app.wsgi_app = HoldLoopPath(app.wsgi_app, journey, signatures)  # type: ignore[method-assign]


def create_webhooks_blueprint(journey: CallJourney, signatures: SignatureCheck) -> Blueprint:
    bp = Blueprint("webhooks", __name__)

    @bp.before_request
    def _start_clock() -> None:
        g.webhook_started = time.perf_counter()

    @bp.after_request
    def _observe(response: Response) -> Response:
        started = g.get("webhook_started")
        if started is not None:  # None: an app-wide before_request answered first
            recorder().webhook((request.endpoint or "").rpartition(".")[2], started)
        return response

    @bp.before_request
    def _check_signature() -> None:
        query = request.query_string.decode("latin-1")
        signature = request.headers.get("X-Twilio-Signature")
        if not signatures.is_valid(request.path, query, request.form, signature):
            log.warning("refused %s: bad or missing Twilio signature", request.path)
            abort(403)

    def answer(handler: Callable[[CallRequest], str]) -> Callable[[], ResponseReturnValue]:
        def view() -> ResponseReturnValue:
            req = CallRequest.from_twilio(request.form, request.args)
            return twiml_response(handler(req))

        return view

    routes: dict[Route, Callable[[CallRequest], str]] = {
        Route.INCOMING: journey.incoming,
        Route.MENU: journey.menu,
        Route.WAIT: journey.wait,
        Route.QUEUE_EXIT: journey.queue_exit,
        Route.CALLBACK_CHOICE: journey.callback_choice,
        Route.CALLBACK_NUMBER: journey.callback_number,
        Route.CALLBACK_CONFIRM: journey.callback_confirm,
        Route.VOICEMAIL: journey.voicemail,
        Route.OVERFLOW: journey.overflow,
        Route.APPOINTMENT: journey.appointment_answer,
    }
    for route, handler in routes.items():
        bp.add_url_rule(DEFAULT_PATHS[route], f"twilio_{route.value}", answer(handler),
                        methods=["POST"])

    agent.register(bp)  # a live caller's connection to an agent (ringback.routing)
    outbound.register(bp)  # the outbound callback call (ringback.callbacks)

    @bp.post(STATUS_PATH)
    def status() -> ResponseReturnValue:
        journey.status(CallRequest.from_twilio(request.form, request.args))
        return twiml_response(EMPTY_TWIML)

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        return exc

    @bp.errorhandler(Exception)
    def _failed(exc: Exception) -> ResponseReturnValue:
        holding = request.path == DEFAULT_PATHS[Route.WAIT]
        return twiml_response(apology(journey, request.path, request.form, exc,
                                      holding=holding))

    return bp
