"""The ticket pages: the list (filters, sort, paging), the zoom (articles,
history, lock, changes, notes) and the new phone or e-mail ticket form.

Every page needs the Tickets permission, as the API does; the work is done by
``TicketDesk`` and ``TicketListing``, as an agent named in each change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import phonenumbers
from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import Viewer, access, area, require_viewer
from ringback.console.booking_form import call_ref
from ringback.console.context import directory, services
from ringback.console.web import fmt_time, notify
from ringback.customers.phones import caller_e164
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import row_id
from ringback.store.models import Permission
from ringback.store.tickets import CLOSED_STATES, TicketState
from ringback.tickets.desk import Actor

TICKETS = area(Permission.TICKETS)
PAGE_SIZE = 25
SORTS = {"-created_at": "Newest first", "created_at": "Oldest first",
         "-priority": "Highest priority first", "-updated_at": "Last changed first",
         "solution_due": "Solution due soonest"}
PRIORITIES = {1: "1 very low", 2: "2 low", 3: "3 normal", 4: "4 high", 5: "5 very high"}
FIELD_LABELS = {"subject": "Title", "description": "Description", "state": "State",
                "pending_until": "Pending until", "queue": "Queue", "owner_agent_id": "Owner",
                "priority": "Priority", "body": "Text", "phone": "Caller's number",
                "email": "E-mail address",
                "customer_user_id": "Customer user", "customer_id": "Customer", "kind": "Kind",
                "search": "Search", "locked_by_agent_id": "Show",
                "sort": "Sort", "offset": "Page"}
HISTORY_WORDS = {"created": "Created", "subject": "Title", "description": "Description",
                 "state": "State", "pending_until": "Pending until", "queue": "Queue",
                 "owner_agent_id": "Owner", "locked_by_agent_id": "Lock",
                 "priority": "Priority", "customer_id": "Customer",
                 "customer_user_id": "Customer user", "article": "Article"}


def state_label(state: str) -> str:
    return state[:1].upper() + state[1:]


def phone_label(e164: str) -> str:
    """A stored number as people write it: +49 30 1234567 rather than +49301234567."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phones_label(user: Any) -> str:
    """A customer user's numbers, or a dash."""
    return ", ".join(phone_label(p.e164) for p in user.phones) or "—"


def actor_of(me: Viewer) -> Actor:
    return Actor(me.agent.id, me.is_admin)


def agent_names() -> dict[int, str]:
    return {a.id: a.name for a in directory().all()}


def known_queues(*extra: str | None) -> list[str]:
    """The queues agents can pick (as on My account), and the ticket's own."""
    from ringback.callbacks.parts import configured_queue_ids

    s = services()
    found = configured_queue_ids(s.numbers) | set(s.queue.configured()) | \
        set(s.queue_slas.configured())
    return sorted(found | {q for q in extra if q})


def list_args(values: Mapping[str, Any], me: Viewer) -> tuple[dict[str, Any], list[str] | None]:
    """The ticket list's query string as TicketListing's filters."""
    args: dict[str, Any] = {}
    states = [s for s in getattr(values, "getlist", lambda _n: [])("state") if s]
    if states:
        args["state"] = states
    for name in ("queue", "owner_agent_id", "customer_id", "customer_user_id", "sort"):
        if values.get(name):
            args[name] = values[name]
    for name in ("reminder_due", "escalated"):
        if values.get(name) == "true":
            args[name] = "true"
    if values.get("q"):
        args["search"] = values["q"]
    queues = None
    mine = values.get("mine")
    if mine == "locked":
        args["locked_by_agent_id"] = str(me.agent.id)
    elif mine == "queues":
        queues = services().my_queues.of(me.agent.id)
    page = row_id(values.get("page")) or 1
    args["limit"] = PAGE_SIZE
    args["offset"] = (page - 1) * PAGE_SIZE
    return args, queues


def register(bp: Blueprint) -> None:
    @bp.get("/tickets")
    @access(TICKETS)
    def tickets() -> ResponseReturnValue:
        me = require_viewer()
        args, queues = list_args(request.args, me)
        errors: dict[str, str] = {}
        try:
            page = services().ticket_listing.page(args, queues)
        except ValidationError as exc:
            errors = dict(exc.errors)
            page = services().ticket_listing.page({"limit": PAGE_SIZE}, [])
        current = args["offset"] // PAGE_SIZE + 1
        pages = max(1, -(-page.total // PAGE_SIZE))
        return render_template(
            "console/tickets.html", page=page, errors=errors, labels=FIELD_LABELS,
            no_queues=queues == [], agents=sorted(agent_names().items(), key=lambda a: a[1]),
            states=[s.value for s in TicketState], chosen_states=request.args.getlist("state"),
            queues=known_queues(request.args.get("queue")), sorts=SORTS, names=agent_names(),
            current=current, pages=pages, state_label=state_label,
            query={k: v for k, v in request.args.to_dict(flat=False).items() if k != "page"}), \
            422 if errors else 200

    @bp.get("/tickets/<int:ticket_id>")
    @access(TICKETS)
    def ticket(ticket_id: int) -> ResponseReturnValue:
        return _zoom(ticket_id, {})

    @bp.post("/tickets/<int:ticket_id>/lock")
    @access(TICKETS)
    def ticket_lock(ticket_id: int) -> ResponseReturnValue:
        me = require_viewer()
        return _act(ticket_id, lambda: services().ticket_desk.lock(ticket_id, me.agent.id,
                                                                    actor_of(me)),
                    "The ticket is locked to you.")

    @bp.post("/tickets/<int:ticket_id>/unlock")
    @access(TICKETS)
    def ticket_unlock(ticket_id: int) -> ResponseReturnValue:
        me = require_viewer()
        return _act(ticket_id, lambda: services().ticket_desk.unlock(ticket_id, actor_of(me)),
                    "The ticket is unlocked.")

    @bp.post("/tickets/<int:ticket_id>/change")
    @access(TICKETS)
    def ticket_change(ticket_id: int) -> ResponseReturnValue:
        me = require_viewer()
        form = request.form
        body: dict[str, Any] = {}
        errors: dict[str, str] = {}
        if form.get("state"):
            body["state"] = form["state"]
            if form["state"] in (TicketState.PENDING_REMINDER.value,
                                 TicketState.PENDING_AUTO_CLOSE.value):
                body["pending_until"] = _pending(form.get("pending_until"))
        if "queue" in form:
            body["queue"] = form["queue"] or None
        if "owner_agent_id" in form:
            body["owner_agent_id"] = row_id(form["owner_agent_id"]) if \
                form["owner_agent_id"] else None
            if form["owner_agent_id"] and body["owner_agent_id"] is None:
                errors["owner_agent_id"] = "choose an agent from the list"
        if "priority" in form:
            body["priority"] = row_id(form["priority"]) or 0
        if errors:
            return _zoom(ticket_id, errors), 422
        return _act(ticket_id, lambda: services().ticket_desk.update(ticket_id, body,
                                                                      actor_of(me)),
                    "The ticket is changed.")

    @bp.post("/tickets/<int:ticket_id>/articles")
    @access(TICKETS)
    def ticket_article(ticket_id: int) -> ResponseReturnValue:
        me = require_viewer()
        kind = request.form.get("kind", "note")
        body: dict[str, Any] = {"kind": kind, "body": request.form.get("body", "").strip()}
        if kind == "phone":
            body["internal"] = False
        return _act(ticket_id, lambda: services().ticket_desk.add_article(
            ticket_id, body, actor_of(me), author=me.agent.name),
            "The phone note is added." if kind == "phone" else "The internal note is added.")

    @bp.route("/tickets/new/phone", methods=["GET", "POST"])
    @access(TICKETS)
    def new_phone_ticket() -> ResponseReturnValue:
        return _new_ticket("phone")

    @bp.route("/tickets/new/email", methods=["GET", "POST"])
    @access(TICKETS)
    def new_email_ticket() -> ResponseReturnValue:
        return _new_ticket("email")


def _pending(raw: str | None) -> str | None:
    """A datetime-local value (read as UTC, as the console shows times) in ISO form."""
    text = (raw or "").strip()
    if not text:
        return None
    return text + (":00Z" if len(text) == 16 else "Z")


def _act(ticket_id: int, work: Any, done: str) -> ResponseReturnValue:
    try:
        work()
    except Conflict as exc:
        return _zoom(ticket_id, {"lock": str(exc)}), 409
    except ValidationError as exc:
        return _zoom(ticket_id, dict(exc.errors)), 422
    notify(done)
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


def _zoom(ticket_id: int, errors: dict[str, str]) -> str:
    s = services()
    me = require_viewer()
    record = s.ticket_desk.get(ticket_id)
    customer = user = None
    if record.customer_user_id is not None:
        try:
            user = s.customers.get_user(record.customer_user_id)
        except NotFound:
            user = None
    if record.customer_id is not None:
        try:
            customer = s.customers.get_customer(record.customer_id)
        except NotFound:
            customer = None
    names = agent_names()
    closed = TicketState(record.state) in CLOSED_STATES
    return render_template(
        "console/ticket.html", t=record, history=s.ticket_desk.history(ticket_id),
        names=names, me=me, customer=customer, user=user, errors=errors, closed=closed,
        form_errors={k: v for k, v in errors.items() if k != "lock"},
        labels=FIELD_LABELS, history_words=HISTORY_WORDS, state_label=state_label,
        states=[st.value for st in TicketState if st != TicketState.NEW or
                record.state == TicketState.NEW.value],
        queues=known_queues(record.queue), priorities=PRIORITIES,
        history_value=lambda field, value: _history_value(field, value, names),
        requester=phone_label(record.requester) if record.requester.startswith("+") else
        record.requester)


def _history_value(field: str, value: str | None, names: dict[int, str]) -> str:
    """A history row's old or new value as agents say it: names rather than ids."""
    if value is None or value == "":
        return "—"
    if field in ("owner_agent_id", "locked_by_agent_id"):
        pk = row_id(value)
        return names.get(pk, "a removed agent") if pk is not None else value
    if field in ("customer_id", "customer_user_id"):
        return _customer_name(field, row_id(value))
    if field == "state":
        return state_label(value)
    if field == "pending_until":
        try:
            return fmt_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    if field == "priority":
        pk = row_id(value)
        return PRIORITIES.get(pk, value) if pk is not None else value
    if field == "article":
        kind = value.rsplit("(", 1)[-1].rstrip(")")
        return {"phone": "phone call", "email": "e-mail", "note": "note"}.get(kind, kind)
    return value


def _customer_name(field: str, pk: int | None) -> str:
    removed = "a removed customer" if field == "customer_id" else "a removed customer user"
    if pk is None:
        return removed
    customers = services().customers
    try:
        if field == "customer_id":
            return customers.get_customer(pk).name
        return customers.get_user(pk).name
    except NotFound:
        return removed


def _new_ticket(kind: str) -> ResponseReturnValue:
    s = services()
    me = require_viewer()
    values = request.values
    call = call_ref(values)
    user = None
    user_id = row_id(values.get("customer_user_id")) if values.get("customer_user_id") else None
    if user_id is not None:
        user = s.customers.get_user(user_id)
    phone = (values.get("phone") or "").strip()
    matches = s.customers.find_by_phone(phone) if phone and user is None else []
    if len(matches) == 1:   # a known caller: their ticket, not the bare number's
        user = s.customers.get_user(matches[0].user_id)
    shown = {"subject": values.get("subject", ""), "body": values.get("body", ""),
             "queue": values.get("queue", ""), "priority": values.get("priority", "3"),
             "state": values.get("state", TicketState.OPEN.value),
             "lock": values.get("lock", "on" if request.method == "GET" else ""),
             "email": values.get("email", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        body: dict[str, Any] = {"subject": shown["subject"].strip(),
                                "state": shown["state"], "queue": shown["queue"] or None,
                                "priority": row_id(shown["priority"]) or 0}
        if user is not None:
            body["customer_user_id"] = user.id
            calling = caller_e164(phone) if phone and kind == "phone" else None
            if calling is not None:
                body["requester"] = calling   # the number they call from, of their numbers
        elif kind == "email" and shown["email"].strip():
            body["requester"] = shown["email"].strip()
        elif phone:
            body["requester"] = phone
        text = shown["body"].strip()
        if not text:
            errors["body"] = "write what the caller wants" if kind == "phone" else \
                "write the e-mail"
        try:
            if errors:
                raise ValidationError(errors)
            created = s.ticket_desk.create(body, actor_of(me))
            if shown["lock"]:
                s.ticket_desk.lock(created.id, me.agent.id, actor_of(me))
            s.ticket_desk.add_article(created.id, {"kind": kind, "body": text,
                                                   "internal": False},
                                      actor_of(me), author=me.agent.name)
        except ValidationError as exc:
            errors = {**errors, **exc.errors}
            if errors.pop("requester", None):
                if kind == "phone":
                    errors["phone"] = ("enter the caller's number with its country code, "
                                       "such as +49 30 1234567")
                else:
                    errors["email"] = "enter the customer's e-mail address"
        else:
            notify(f"Ticket {created.number} is created.")
            return redirect(url_for("console.ticket", ticket_id=created.id))
    return render_template(
        "console/ticket_new.html", kind=kind, user=user, phone=phone, call=call, shown=shown,
        phones_label=phones_label, matches=matches if len(matches) > 1 else [],
        errors=errors, labels=FIELD_LABELS, queues=known_queues(shown["queue"]),
        priorities=PRIORITIES, state_label=state_label,
        states=[TicketState.OPEN.value, TicketState.NEW.value]), 422 if errors else 200
