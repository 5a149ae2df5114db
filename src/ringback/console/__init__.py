"""The agent and admin web console under /console.

Server-rendered pages on server-side sessions; see docs/console.md.  The
domain helpers here (security, throttle, sessions, invitations, mail, audit, account
settings) import no Flask, so the rest of ringback may use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register_console(app: Flask) -> None:
    """Mount the console on the app, with ``/`` leading to it."""
    from ringback.console.web import register

    register(app)
