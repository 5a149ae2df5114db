"""The helpdesk outbox page (admins): tickets, comments and call events not yet
taken by the helpdesk, with their last error, and "Retry now"."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import ADMIN, access
from ringback.console.context import services
from ringback.console.web import notify


def register(bp: Blueprint) -> None:
    @bp.get("/helpdesk-outbox")
    @access(ADMIN)
    def helpdesk_outbox() -> ResponseReturnValue:
        box = services().helpdesk_outbox
        return render_template("console/helpdesk_outbox.html", rows=box.unsent(),
                               chosen=box.chosen())

    @bp.post("/helpdesk-outbox/<int:row_id>/retry")
    @access(ADMIN)
    def helpdesk_outbox_retry(row_id: int) -> ResponseReturnValue:
        if not services().helpdesk_outbox.retry_now(row_id):
            abort(404)
        notify("Sending again now.")
        return redirect(url_for("console.helpdesk_outbox"))
