"""The one place a failed voice webhook becomes an apology.

Twilio must never get a 500, or the caller hears Twilio's own error message:
whatever goes wrong is logged and answered with status 200 and TwiML that
apologises in the number's language. The blueprint's error handler and the
hold loop's WSGI path (``ringback.webhooks.hold_loop``) both answer here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Response

from ringback.calls.journey import CallJourney
from ringback.errors import ValidationError

log = logging.getLogger(__name__)

# The whole Content-Type: given to werkzeug as ``content_type``, because as a
# ``mimetype`` it gets a second "; charset=utf-8" appended.
TWIML = "text/xml; charset=utf-8"


def twiml_response(document: str) -> Response:
    """A TwiML document as Flask's answer, with ``TWIML`` as its Content-Type."""
    return Response(document, content_type=TWIML)


def apology(journey: CallJourney, path: str, form: Mapping[str, str],
            exc: BaseException) -> str:
    """Log ``exc`` for the webhook at ``path`` and return the apology's TwiML."""
    sid = form.get("CallSid", "")
    if isinstance(exc, ValidationError):
        log.warning("webhook %s for call %r: bad parameters %s", path, sid, exc.errors)
    else:
        log.error("webhook %s failed for call %r", path, sid, exc_info=exc)
    return journey.sorry(form.get("To"))
