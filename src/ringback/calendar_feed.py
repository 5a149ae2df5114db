"""``GET /calendar/<token>.ics``: a resource's private iCalendar feed of bookings.

No log-in: calendar apps cannot sign in, so the secret token in the URL is
the key (``ringback.booking_bridge.feed``); an unknown token is a 404.  The
token is renewed through ``POST /api/v1/resources/<id>/feed-token``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort
from flask.typing import ResponseReturnValue

from ringback.booking_bridge.feed import CalendarFeed
from ringback.services import Services

MAX_TOKEN = 64


def register_calendar_feed(app: Flask, services: Services) -> None:
    bp = Blueprint("calendar_feed", __name__)
    feed = CalendarFeed(services.db, services.clock,
                        public_base_url=services.settings.public_base_url)

    @bp.get("/calendar/<token>.ics")
    def calendar(token: str) -> ResponseReturnValue:
        body = feed.ics(token) if len(token) <= MAX_TOKEN else None
        if body is None:
            abort(404)
        return Response(body, mimetype="text/calendar", headers={
            "Content-Disposition": 'inline; filename="bookings.ics"',
            "Cache-Control": "private, max-age=300",
            "X-Robots-Tag": "noindex",
        })

    app.register_blueprint(bp)
