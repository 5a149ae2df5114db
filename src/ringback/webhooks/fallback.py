"""The one place a failed voice webhook becomes an apology.

Twilio must never get a 500, or the caller hears Twilio's own error message:
whatever goes wrong is logged and answered with status 200 and TwiML that
apologises in the number's language (or, for a caller on hold while Redis is
out of reach, keeps the caller holding). The blueprint's error handler and
the hold loop's WSGI path (``ringback.webhooks.hold_loop``) both answer here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import redis
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
            exc: BaseException, *, holding: bool = False) -> str:
    """Log ``exc`` for the webhook at ``path`` and return the apology's TwiML.

    ``holding``: the request is a round of the hold loop. When Redis is out of
    reach (stalled or down), the caller then hears hold music and stays in
    Twilio's queue, and the next round tries again; an apology would hang up on
    a caller who is waiting for nothing but Redis.
    """
    sid = form.get("CallSid", "")
    if holding and isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        log.error("webhook %s for call %r: Redis is out of reach: %s", path, sid, exc)
        waited = form.get("QueueTime", "")
        return journey.keep_holding(form.get("To"), int(waited) if waited.isdigit()
                                    and len(waited) < 7 else None)
    if isinstance(exc, ValidationError):
        log.warning("webhook %s for call %r: bad parameters %s", path, sid, exc.errors)
    else:
        log.error("webhook %s failed for call %r", path, sid, exc_info=exc)
    return journey.sorry(form.get("To"))
