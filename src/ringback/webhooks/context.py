"""The webhooks' way to the app's Services: the one place a Twilio route reaches
them (through the request's app).  Every object is assembled once, on ``Services``."""

from __future__ import annotations

from flask import current_app

from ringback.services import Services


def services() -> Services:
    return current_app.extensions["ringback"]  # type: ignore[no-any-return]
