"""The queues pages: every known queue with its limits, and each queue's settings as a form.

The form is turned into the body of ``PUT /api/v1/queues/<id>`` and checked by
``QueueSettings.from_json``, as the API's body is, so the console keeps exactly the API's
rules and shows its messages next to the fields they name.  The same
permission as the API (numbers) opens them; every change lands in the audit
log (``queue.changed``).
"""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area, require_viewer
from ringback.console.audit import Actor, AuditAction
from ringback.console.context import audit_log, services
from ringback.console.queue_form import (
    DEFAULT_PRIORITY,
    DEFAULTS,
    INTENT_LABELS,
    QueueForm,
    QueueRow,
    changes,
    form_of,
    numbers_by_queue,
    read_form,
)
from ringback.console.web import notify
from ringback.errors import NotFound, ValidationError
from ringback.ivr import config_rules
from ringback.ivr.config import DEFAULT_QUEUE_ID
from ringback.queue.models import MAX_PRIORITY, Intent, QueueSettings
from ringback.store.models import Permission

NUMBERS = area(Permission.NUMBERS)
INTENT_HINTS = {
    Intent.GENERAL.value: "Callers of a number without a menu, or of a menu key marked General.",
    Intent.BOOKING.value: "Callers of a menu key marked Booking (appointments).",
    Intent.TICKET.value: "Callers of a menu key marked Ticket (requests and remarks).",
    Intent.PROBLEM.value: "Callers of a menu key marked Report a problem (the request form "
                          "opens on an action request).",
}
log = logging.getLogger(__name__)


def register(bp: Blueprint) -> None:
    @bp.get("/queues")
    @access(NUMBERS)
    def queues() -> ResponseReturnValue:
        wanted = request.args.get("queue_id")
        if wanted is not None:  # the "open a queue" form
            wanted = wanted.strip()
            problem = _id_problem(wanted)
            if problem is None:
                return redirect(url_for("console.edit_queue", queue_id=wanted))
            return _list_page(wanted, problem), 422
        return _list_page()

    @bp.post("/queues/new")
    @access(NUMBERS)
    def add_queue() -> ResponseReturnValue:
        name = (request.form.get("new_queue") or "").strip()
        problem = _new_queue_problem(name)
        if problem is not None:
            return _list_page(new_queue=name, add_problem=problem), 422
        engine = services().queue
        engine.configure(name, engine.settings(name))  # the defaults, until changed here
        audit_log().record(Actor.of(require_viewer().agent), AuditAction.QUEUE_ADDED,
                           target=name, details={})
        notify(f"Queue {name} is added with the default settings; change them below, "
               "then send callers to it from a number.")
        return redirect(url_for("console.edit_queue", queue_id=name))

    @bp.route("/queues/<queue_id>", methods=["GET", "POST"])
    @access(NUMBERS)
    def edit_queue(queue_id: str) -> ResponseReturnValue:
        if _id_problem(queue_id) is not None:
            raise NotFound("queue", queue_id)
        engine = services().queue
        before = engine.settings(queue_id)
        if request.method == "GET":
            return _form_page(form_of(queue_id, before), {})
        shown, body = read_form(request.form, queue_id=queue_id)
        try:
            after = QueueSettings.from_json(body)
        except ValidationError as exc:
            return _form_page(shown, dict(exc.errors)), 422
        changed = changes(before, after)
        if changed:
            engine.configure(queue_id, after)
            audit_log().record(Actor.of(require_viewer().agent), AuditAction.QUEUE_CHANGED,
                               target=queue_id, details=changed)
            notify(f"Saved: queue {queue_id}; the next caller and offer follow it.")
        else:
            notify("Nothing changed.")
        return redirect(url_for("console.edit_queue", queue_id=queue_id))


def _new_queue_problem(name: str) -> str | None:
    """What is wrong with the name of a queue to add, in the agent's words."""
    if not name:
        return "Enter a name for the new queue, such as sales"
    if _id_problem(name) is not None:
        return "Use 1 to 64 letters, digits, - or _ (no spaces), such as sales or support-de"
    if name in {row.queue_id for row in _known_rows()}:
        return f"There is already a queue called {name}; open it from the list above"
    return None


def _id_problem(queue_id: str) -> str | None:
    """The numbers' rule for queue ids, so every queue here can be named by a number."""
    problems = config_rules.Problems()
    config_rules.queue_id(problems, "queue_id", queue_id)
    return problems.errors.get("queue_id")


def _numbers_by_queue() -> dict[str, list[str]]:
    try:
        return numbers_by_queue(services().numbers.all())
    except ValidationError:
        log.warning("a number's configuration is unreadable; its queues are not listed")
        return {}


def _known_rows() -> list[QueueRow]:
    """The queues numbers name, those holding open callbacks, those configured (here or
    through the API), and "default"."""
    s = services()
    named = _numbers_by_queue()
    ids = set(named) | {DEFAULT_QUEUE_ID}
    ids.update(s.callback_records.open_queue_ids())
    ids.update(s.queue.configured())
    return [QueueRow(q, s.queue.settings(q), tuple(named.get(q, ()))) for q in sorted(ids)]


def _list_page(wanted: str = "", problem: str | None = None, *, new_queue: str = "",
               add_problem: str | None = None) -> str:
    errors = {"queue_id": problem} if problem else {}
    if add_problem:
        errors["new_queue"] = add_problem
    return render_template("console/queues.html", rows=_known_rows(), intents=list(Intent),
                           intent_labels=INTENT_LABELS,
                           wanted=wanted, new_queue=new_queue, errors=errors)


def _form_page(form: QueueForm, errors: dict[str, str]) -> str:
    return render_template(
        "console/queue_form.html", form=form, errors=errors, intents=list(Intent),
        intent_labels=INTENT_LABELS,
        intent_hints=INTENT_HINTS, defaults=DEFAULTS, default_priority=DEFAULT_PRIORITY,
        max_priority=MAX_PRIORITY,
        numbers=_numbers_by_queue().get(form.queue_id, []),
    )
