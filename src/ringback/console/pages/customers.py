"""The customer information center: search, a customer's dashboard, a customer
user's dashboard, adding and changing customer users, and each agent's widget
layout (kept server-side; the buttons work as plain form posts, the drag and
drop of ``dashboard.js`` posts the new order).

Every page needs the Tickets permission; the queries live in
``ringback.tickets.dashboard``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area, require_viewer
from ringback.console.booking_form import call_ref
from ringback.console.context import services
from ringback.console.pages.tickets import (
    agent_names,
    phone_label,
    phones_label,
    state_label,
)
from ringback.console.web import notify, wants_json
from ringback.customers.validation import user_fields
from ringback.errors import NotFound, ValidationError
from ringback.helpdesk.clients import customer_center_url
from ringback.helpdesk.outbox import ZNUNY
from ringback.parsing import row_id
from ringback.routing.offers import OfferView
from ringback.store.customers import CustomerUser
from ringback.store.models import Permission
from ringback.store.tickets import TicketState
from ringback.tickets.dashboard import (
    FILTERS,
    TICKET_WIDGETS,
    WIDGETS,
    DashboardLayouts,
    Scope,
    TicketDashboard,
    widget_args,
)

TICKETS = area(Permission.TICKETS)
WIDGET_TITLES = {"customer_users": "Customer users", "reminder": "Reminder",
                 "escalated": "Escalated", "new": "New", "open": "Open"}
FILTER_LABELS = {"locked": "My locked tickets", "queues": "Tickets in my queues",
                 "all": "All tickets"}
USER_LABELS = {"name": "Name", "email": "E-mail address", "phone": "Phone number",
               "customer_name": "Company", "customer_id": "Company"}


def dashboard() -> TicketDashboard:
    s = services()
    return TicketDashboard(s.db, s.clock, s.ticket_listing)


def layouts() -> DashboardLayouts:
    s = services()
    return DashboardLayouts(s.db, s.clock)


def register(bp: Blueprint) -> None:
    @bp.get("/customers")
    @access(TICKETS)
    def customers() -> ResponseReturnValue:
        q = (request.args.get("q") or "").strip()
        phone = (request.args.get("phone") or "").strip()
        found = error = None
        if q:
            try:
                found = dashboard().search(q)
            except ValidationError as exc:
                error = exc.errors["q"]
        return render_template("console/customers.html", q=q, phone=phone, found=found,
                               phones_label=phones_label,
                               error=error), 422 if error else 200

    @bp.get("/customers/<int:customer_id>")
    @access(TICKETS)
    def customer_center(customer_id: int) -> ResponseReturnValue:
        customer = services().customers.get_customer(customer_id)
        board = dashboard()
        return _center(Scope(customer_id=customer.id), customer=customer,
                       users=board.users(customer.id))

    @bp.get("/customers/users/<int:user_id>")
    @access(TICKETS)
    def customer_user_center(user_id: int) -> ResponseReturnValue:
        s = services()
        user = s.customers.get_user(user_id)
        return _center(Scope(customer_user_id=user.id), customer=user.customer, user=user,
                       timeline=s.call_timeline.for_numbers([p.e164 for p in user.phones]),
                       on_call=_call_view(call_ref(request.args)),
                       znuny_center=_znuny_center(user))

    @bp.post("/customers/layout")
    @access(TICKETS)
    def dashboard_layout() -> ResponseReturnValue:
        """The layout buttons (move up, move down, close, show all) without script."""
        me = require_viewer()
        action, widget = request.form.get("action", ""), request.form.get("widget", "")
        try:
            if action == "up":
                layouts().move(me.agent.id, widget, -1)
            elif action == "down":
                layouts().move(me.agent.id, widget, +1)
            elif action == "close":
                layouts().close(me.agent.id, widget)
            elif action == "show_all":
                layouts().show_all(me.agent.id)
            elif action == "order":
                layouts().arrange(me.agent.id, request.form.get("order", "").split(","))
            else:
                raise ValidationError({"action": "must be up, down, close, show_all or order"})
        except ValidationError as exc:
            if wants_json():
                return {"errors": exc.errors}, 422
            notify("That layout change is not possible.")
        if wants_json():
            return {"order": list(layouts().of(me.agent.id).order)}
        return redirect(_back())

    @bp.route("/customers/users/new", methods=["GET", "POST"])
    @access(TICKETS)
    def customer_user_new() -> ResponseReturnValue:
        values = request.values
        call = call_ref(values)
        customer = None
        customer_id = row_id(values.get("customer_id")) if values.get("customer_id") else None
        if customer_id is not None:
            customer = services().customers.get_customer(customer_id)
        shown = {k: (values.get(k) or "").strip()
                 for k in ("name", "email", "phone", "customer_name")}
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                user = _save_user(None, customer.id if customer else None, shown)
            except ValidationError as exc:
                errors = _user_errors(exc.errors)
            else:
                notify(f"{user.name} is added.")
                return redirect(url_for("console.customer_user_center", user_id=user.id,
                                        call=call))
        return render_template("console/customer_user_form.html", shown=shown, errors=errors,
                               customer=customer, user=None, call=call, labels=USER_LABELS), \
            422 if errors else 200

    @bp.route("/customers/users/<int:user_id>/edit", methods=["GET", "POST"])
    @access(TICKETS)
    def customer_user_edit(user_id: int) -> ResponseReturnValue:
        user = services().customers.get_user(user_id)
        if request.method == "GET":
            shown = {"name": user.name, "email": user.email or "",
                     "phone": ", ".join(phone_label(p.e164) for p in user.phones),
                     "customer_name": ""}
            errors: dict[str, str] = {}
        else:
            shown = {k: (request.form.get(k) or "").strip()
                     for k in ("name", "email", "phone")}
            try:
                _save_user(user, user.customer_id, shown)
            except ValidationError as exc:
                errors = _user_errors(exc.errors)
            else:
                notify(f"{shown['name']} is saved.")
                return redirect(url_for("console.customer_center", customer_id=user.customer_id))
        return render_template("console/customer_user_form.html", shown=shown, errors=errors,
                               customer=user.customer, user=user, call=None,
                               labels=USER_LABELS), 422 if errors else 200


def _center(scope: Scope, **page: Any) -> str:
    me = require_viewer()
    s = services()
    board = dashboard()
    queues = s.my_queues.of(me.agent.id)
    counts = board.counts(scope, me.agent.id, queues)
    chosen = {w: str(request.args.get(w)) if request.args.get(w) in FILTERS else "all"
              for w in TICKET_WIDGETS}
    lists = {w: board.tickets(scope, w, chosen[w], me.agent.id, queues)
             for w in TICKET_WIDGETS}
    layout = layouts().of(me.agent.id)
    endpoint = request.endpoint or "console.customers"

    def filter_url(widget: str, name: str) -> str:
        values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(),
                                  widget: name}
        return url_for(endpoint, **values) + f"#w-{widget}"

    def list_url(widget: str, name: str) -> str:
        values: dict[str, Any] = {**scope.args(), **widget_args(widget)}
        if name in ("locked", "queues"):
            values["mine"] = name
        return url_for("console.tickets", **values)

    shown = [w for w in layout.shown if w in lists or "users" in page]
    return render_template(
        "console/customer_center.html", phone_label=phone_label, phones_label=phones_label,
        scope=scope, counts=counts, chosen=chosen,
        lists=lists, shown=shown, closed=sorted(layout.closed), status=board.status(scope),
        titles=WIDGET_TITLES, filter_labels=FILTER_LABELS, filters=FILTERS,
        state_label=state_label, states=[st.value for st in TicketState],
        names=agent_names(), filter_url=filter_url, list_url=list_url,
        scope_args=scope.args(),
        call=call_ref(request.args), here=request.full_path.rstrip("?"),
        **{"users": None, "user": None, "timeline": [], "on_call": None,
           "znuny_center": None, **page})


def _znuny_center(user: CustomerUser) -> str | None:
    """Znuny's own customer information center for the user, when Znuny is the chosen
    helpdesk (its customer user id is taken to be the e-mail address)."""
    s = services()
    if not s.settings.znuny_url or not user.email or s.helpdesk_outbox.chosen() != ZNUNY:
        return None
    return customer_center_url(s.settings.znuny_url, user.email)


def _call_view(ref: str | None) -> OfferView | None:
    """The call the center was opened from (the screen pop), while it is still there."""
    if ref is None:
        return None
    offers = services().routing.offers
    try:
        return offers.view(offers.get(ref))
    except NotFound:
        return None


def _back() -> str:
    """Where a layout post returns: the dashboard it came from, never elsewhere, at the
    widget moved (so the keyboard goes on from there) or at the top."""
    target = request.form.get("next", "")
    if not (target.startswith("/console/customers/") and "//" not in target
            and "\\" not in target and "#" not in target):
        return url_for("console.customers")
    widget = request.form.get("widget", "")
    action = request.form.get("action", "")
    if action in ("up", "down") and widget in WIDGETS:
        return f"{target}#w-{widget}"
    return target


def _save_user(user: CustomerUser | None, customer_id: int | None,
               shown: dict[str, str]) -> CustomerUser:
    s = services()
    phones = [p.strip() for p in shown["phone"].split(",") if p.strip()]
    payload: dict[str, Any] = {"name": shown["name"], "email": shown["email"] or None,
                               "phones": phones}
    if not shown["name"]:
        raise ValidationError({"name": "enter the person's name"})
    if user is not None:
        return s.customers.update_user(user.id, payload)
    if customer_id is None:
        user_fields({**payload, "customer_id": 1}, partial=False)  # refuse before adding
        company = shown.get("customer_name") or shown["name"]
        customer = s.customers.create_customer({"name": company})
        customer_id = customer.id
    return s.customers.create_user({**payload, "customer_id": customer_id})


def _user_errors(errors: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, rule in errors.items():
        name = "phone" if key.startswith("phones") else key
        out[name] = rule.replace("E.164", "international form").replace("e164", "number")
    return out

