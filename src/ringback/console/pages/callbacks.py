"""The callbacks page: every callback, newest request first, with its state and
outcome; the ones still waiting have Call and Decline (the board's actions).

It reads ``CallbackListing``, the same list as ``GET /api/v1/callbacks``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from ringback.callbacks.listing import FILTER_STATES
from ringback.console.access import access, area
from ringback.console.context import services
from ringback.errors import ValidationError
from ringback.store.callbacks import CallbackState
from ringback.store.models import Permission

PAGE_SIZE = 50
CALLABLE = (CallbackState.REQUESTED, CallbackState.OFFERED)


def register(bp: Blueprint) -> None:
    @bp.get("/callbacks")
    @access(area(Permission.CALLBACKS))
    def callbacks() -> ResponseReturnValue:
        s = services()
        listing = s.callback_listing
        state = request.args.get("state") or None
        offset = request.args.get("offset", type=int) or 0
        errors: dict[str, str] = {}
        try:
            page = listing.page(state=state, limit=PAGE_SIZE, offset=max(0, offset))
        except ValidationError as exc:
            errors = exc.errors
            page = listing.page(limit=PAGE_SIZE)
        return render_template(
            "console/callbacks.html", page=page, state=state, states=FILTER_STATES,
            errors=errors, callable_states=CALLABLE, fmt_epoch=fmt_epoch,
        )


def fmt_epoch(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
