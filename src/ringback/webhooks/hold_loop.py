"""The hold loop's webhook, answered in front of Flask.

Twilio posts ``/twilio/voice/wait`` (the ``<Enqueue waitUrl>``) again and
again for every caller on hold, so it is by far our most frequent request.
This WSGI middleware answers that one route itself: the same signature
check, parameters, journey method and apology as the webhooks blueprint,
without Flask's request context, URL matching, form parser and response
object, which cost as much CPU as the hold round itself
(``benchmarks/webhook_bench.py``).

Whatever it does not expect goes to the Flask app untouched, body included,
and is answered there as before: another method or content type, a body
that is empty, large or not ASCII, a repeated parameter, a bad signature
(403).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from ringback.calls.journey import CallJourney
from ringback.calls.request import CallRequest
from ringback.ivr.urls import DEFAULT_PATHS, Route
from ringback.observability import recorder
from ringback.parsing import ascii_whole
from ringback.webhooks.fallback import TWIML, apology
from ringback.webhooks.signature import SignatureCheck

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

FORM = "application/x-www-form-urlencoded"
# Twilio's voice parameters are a few hundred bytes; anything bigger is left to Flask.
MAX_BODY = 16 * 1024
MAX_FIELDS = 100
# The hold loop's route in the webhook latency metric: its endpoint's name in Flask.
WAIT_ENDPOINT = f"twilio_{Route.WAIT.value}"


class HoldLoopPath:
    """WSGI middleware answering ``POST`` to the hold loop's path, passing on the rest."""

    def __init__(self, app: WSGIApplication, journey: CallJourney, signatures: SignatureCheck,
                 path: str = DEFAULT_PATHS[Route.WAIT]) -> None:
        self._app = app
        self._journey = journey
        self._signatures = signatures
        self._path = path

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self._path or environ.get("REQUEST_METHOD") != "POST" \
                or not environ.get("CONTENT_TYPE", "").startswith(FORM):
            return self._app(environ, start_response)
        length = ascii_whole(environ.get("CONTENT_LENGTH"), max_digits=9)
        if length is None or not 0 < length <= MAX_BODY:
            return self._app(environ, start_response)
        started = time.perf_counter()
        body = environ["wsgi.input"].read(length)
        query_string = environ.get("QUERY_STRING", "")
        form = _params(body, query_string)
        if form is None or not self._signatures.is_valid(
                self._path, query_string, form, environ.get("HTTP_X_TWILIO_SIGNATURE")):
            environ["wsgi.input"] = io.BytesIO(body)
            return self._app(environ, start_response)
        try:
            query = dict(parse_qsl(query_string, keep_blank_values=True))
            document = self._journey.wait(CallRequest.from_twilio(form, query))
        except Exception as exc:  # Twilio must never get a 500
            document = apology(self._journey, self._path, form, exc, holding=True)
        answer = document.encode()
        recorder().webhook(WAIT_ENDPOINT, started)
        start_response("200 OK", [("Content-Type", TWIML),
                                  ("Content-Length", str(len(answer)))])
        return [answer]


def _params(body: bytes, query_string: str) -> dict[str, str] | None:
    """The form as one value per name, or None where Flask should read it instead."""
    if not body.isascii() or not query_string.isascii():
        return None
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="replace",
                          max_num_fields=MAX_FIELDS)
    except ValueError:  # more fields than a Twilio request has
        return None
    form = dict(pairs)
    return form if len(form) == len(pairs) else None
