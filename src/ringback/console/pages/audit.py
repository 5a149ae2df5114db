"""The audit log page: admin changes, newest first, fifty at a time."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from ringback.console.access import ADMIN, access
from ringback.console.audit_words import action_words, detail_lines
from ringback.console.context import audit_log

PAGE_SIZE = 50


def register(bp: Blueprint) -> None:
    @bp.get("/audit")
    @access(ADMIN)
    def audit() -> ResponseReturnValue:
        before = request.args.get("before", type=int)
        entries = audit_log().page(before_id=before, limit=PAGE_SIZE + 1)
        more = len(entries) > PAGE_SIZE
        entries = entries[:PAGE_SIZE]
        older = entries[-1].id if more and entries else None
        return render_template("console/audit.html", entries=entries, older=older,
                               action_words=action_words, detail_lines=detail_lines)
