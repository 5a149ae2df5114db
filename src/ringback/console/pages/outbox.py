"""The outbox pages: mails ringback wrote to the data folder for want of SMTP.

They hold invitation links (an admin's too), so only the owner and admins
see them: a custom agent could otherwise take over an admin's invitation.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue

from ringback.console.access import ADMIN, access
from ringback.console.context import mailer, outbox


def register(bp: Blueprint) -> None:
    @bp.get("/outbox")
    @access(ADMIN)
    def outbox_list() -> ResponseReturnValue:
        box = outbox()
        return render_template("console/outbox.html", mails=box.all(), folder=box.folder,
                               uses_outbox=mailer().uses_outbox)

    @bp.get("/outbox/<mail_id>")
    @access(ADMIN)
    def outbox_mail(mail_id: str) -> ResponseReturnValue:
        return render_template("console/outbox_mail.html", mail=outbox().get(mail_id))

    @bp.get("/outbox/<mail_id>/files/<path:filename>")
    @access(ADMIN)
    def outbox_attachment(mail_id: str, filename: str) -> ResponseReturnValue:
        """An attachment (a booking's .ics), as a download."""
        found = outbox().attachment(mail_id, filename)
        response = Response(found.data, mimetype=found.content_type)
        response.headers["Content-Disposition"] = "attachment"
        return response
