"""Requests in the console: log a contact, add its details by type, complete it.

``/console/requests/new?phone=...&call=...&type=...`` opens from the screen
pop with the caller's customer user filled in (a "report a problem" call
opens it on an action request). Save logs the contact at once; the request's
page then asks for what its type needs: the knowledge-base articles read out
(information), the problem code and the place (action: it creates or joins a
work order) or the text (remark). An information request can be turned into
an action request there. The queries live in ``ringback.service_requests``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.callbacks.service import parse_entry_ref
from ringback.console.access import access, area, require_viewer
from ringback.console.booking_form import call_ref
from ringback.console.context import services
from ringback.console.pages.tickets import agent_names
from ringback.console.web import notify
from ringback.customers.phones import caller_e164
from ringback.errors import NotFound, ValidationError
from ringback.parsing import row_id
from ringback.service_requests import AlreadyReported, RequestView
from ringback.service_requests.volume import CHANNEL_LABELS
from ringback.store.models import Permission
from ringback.work_orders import CodeView
from ringback.work_orders.codes import codes_of

REQUESTS = area(Permission.REQUESTS)
LABELS = {"type": "Type", "channel": "Channel", "customer_user_id": "Customer",
          "description": "Description", "article_ids": "Articles used",
          "problem_code_id": "Problem code", "problem_code_text": "Problem code",
          "address": "Location or address", "latitude": "Latitude", "longitude": "Longitude",
          "work_order_id": "Work order", "new_work_order": "Work order", "to": "Type",
          "caller_number": "Caller's number", "limit": "Page size", "offset": "Page"}
TYPE_NAMES = {"information": "Information request", "action": "Action request",
              "remark": "Remark"}
EVENT_WORDS = {"logged": "Logged", "details": "Details saved", "type": "Type changed",
               "completed": "Completed", "work_order_created": "Work order created",
               "work_order_linked": "Linked to work order"}
FIELD_WORDS = {"description": "description", "customer_user_id": "customer",
               "channel": "channel", "article_ids": "articles", "problem_code_id": "problem code",
               "address": "address", "latitude": "map position", "longitude": "map position"}


def register(bp: Blueprint) -> None:
    @bp.get("/requests")
    @access(REQUESTS)
    def service_requests() -> ResponseReturnValue:
        args = {k: v for k, v in request.args.items() if k in ("type", "offset")}
        try:
            page = services().service_requests.list(args)
        except ValidationError:
            page = services().service_requests.list({})
        return render_template("console/requests.html", page=page, type_names=TYPE_NAMES,
                               channels=CHANNEL_LABELS, chosen=args.get("type", ""),
                               people=_people(page.items))

    @bp.route("/requests/new", methods=["GET", "POST"])
    @access(REQUESTS)
    def new_service_request() -> ResponseReturnValue:
        values = request.values
        phone = (values.get("phone") or "").strip()
        call = call_ref(values)
        matches = services().customers.find_by_phone(phone) if phone else []
        shown = {"type": values.get("type") or "information",
                 "channel": values.get("channel") or "phone",
                 "description": values.get("description") or "",
                 "customer_user_id": values.get("customer_user_id")
                 or (str(matches[0].user_id) if len(matches) == 1 else "")}
        errors: dict[str, str] = {}
        if request.method == "POST":
            payload: dict[str, Any] = {"type": shown["type"], "channel": shown["channel"],
                                       "description": shown["description"]}
            user_id = row_id(shown["customer_user_id"]) if shown["customer_user_id"] else None
            if user_id is not None:
                payload["customer_user_id"] = user_id
            number = caller_e164(phone) if phone else None
            if number:
                payload["caller_number"] = number
            if call:
                payload["call_ref"] = call
                queue_id = parse_entry_ref(call)[0]
                if queue_id:
                    payload["queue_id"] = queue_id
            try:
                view = services().service_requests.save(payload, require_viewer().agent.id)
            except ValidationError as exc:
                errors = exc.errors
            else:
                notify(f"{TYPE_NAMES[view.request.type]} {view.request.id} is logged. "
                       "Add what it needs below.")
                return redirect(url_for("console.service_request", request_id=view.request.id))
        chosen = row_id(shown["customer_user_id"]) if shown["customer_user_id"] else None
        user = _user(chosen) if len(matches) != 1 else None
        return render_template("console/request_new.html", shown=shown, phone=phone, call=call,
                               matches=matches, user=user, errors=errors, labels=LABELS,
                               type_names=TYPE_NAMES, channels=CHANNEL_LABELS), \
            422 if errors else 200

    @bp.get("/requests/<int:request_id>")
    @access(REQUESTS)
    def service_request(request_id: int) -> ResponseReturnValue:
        return _request_page(request_id)

    @bp.post("/requests/<int:request_id>")
    @access(REQUESTS)
    def service_request_save(request_id: int) -> ResponseReturnValue:
        """Save (the details) or complete, with the form's fields."""
        log = services().service_requests
        me = require_viewer().agent.id
        form = request.form
        errors: dict[str, str] = {}
        payload = _details(form, errors)
        if errors:
            return _request_page(request_id, errors=errors, form=form)
        try:
            # The details are kept even when completing is refused, so the page can
            # show what is missing and the work orders already open nearby.
            view = log.update(request_id, payload, me) if payload else log.get(request_id)
        except ValidationError as exc:
            return _request_page(request_id, errors=exc.errors, form=form)
        if form.get("action") == "complete":
            try:
                view = log.complete(request_id, _work_order_choice(form), me)
            except AlreadyReported:
                return _request_page(request_id, choose_work_order=True, status=409)
            except ValidationError as exc:
                return _request_page(request_id, errors=exc.errors, form=form,
                                     intro="Saved, but not complete yet:")
            notify(_completed_words(view))
        else:
            notify("Saved.")
        return redirect(url_for("console.service_request", request_id=view.request.id))

    @bp.post("/requests/<int:request_id>/articles")
    @access(REQUESTS)
    def service_request_article(request_id: int) -> ResponseReturnValue:
        """Use (add) or drop one knowledge-base article."""
        log = services().service_requests
        view = log.get(request_id)
        chosen = row_id(request.form.get("article_id"))
        ids = list(view.article_ids)
        if chosen is not None and request.form.get("action") == "drop":
            ids = [a for a in ids if a != chosen]
        elif chosen is not None and chosen not in ids:
            ids.append(chosen)
        try:
            log.update(request_id, {"article_ids": ids}, require_viewer().agent.id)
        except ValidationError as exc:
            return _request_page(request_id, errors=exc.errors)
        return redirect(url_for("console.service_request", request_id=request_id,
                                q=request.form.get("q") or None) + "#articles")

    @bp.post("/requests/<int:request_id>/convert")
    @access(REQUESTS)
    def service_request_convert(request_id: int) -> ResponseReturnValue:
        services().service_requests.convert(request_id, "action", require_viewer().agent.id)
        notify("This contact is now an action request: choose the problem code and the place.")
        return redirect(url_for("console.service_request", request_id=request_id) + "#problem")


def _request_page(request_id: int, *, errors: Mapping[str, str] | None = None,
                  form: Mapping[str, str] | None = None, intro: str | None = None,
                  choose_work_order: bool = False, status: int = 200) -> ResponseReturnValue:
    s = services()
    view = s.service_requests.get(request_id)
    row = view.request
    q = (request.args.get("q") or "").strip()
    hits = s.knowledge.search(q, limit=8) if q else []
    articles = [s.knowledge.get(a) for a in view.article_ids]
    resolved = {a.id: s.knowledge.resolve(a.id) for a in articles
                if a.linked_article_id is not None}
    codes = codes_of(s.problem_codes.tree())
    code = _code(row.problem_code_id)
    near = s.service_requests.open_work_orders_near(row) \
        if row.type == "action" and row.work_order_id is None else []
    order = _work_order(row.work_order_id)
    user = _user(row.customer_user_id)
    shown = dict(form or {})
    return render_template(
        "console/request.html", view=view, row=row, q=q, hits=hits, articles=articles,
        resolved=resolved, codes=codes, code=code, near=near, order=order, user=user,
        errors=dict(errors or {}), shown=shown, labels=LABELS, type_names=TYPE_NAMES,
        channels=CHANNEL_LABELS, history=_history(view),
        intro=intro, choose_work_order=choose_work_order,
        has_page=lambda e: e in current_app.view_functions,
    ), 422 if errors else status


def _details(form: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if "description" in form:
        payload["description"] = form["description"]
    if "channel" in form:
        payload["channel"] = form["channel"]
    typed = (form.get("problem_code_text") or "").strip()
    if typed:
        found = _typed_code(typed)
        if found is None:
            errors["problem_code_text"] = (f"no problem code matches \u201c{typed}\u201d; "
                                           "type its code or its whole name, or pick it "
                                           "from the list")
        else:
            payload["problem_code_id"] = found.id
    elif "problem_code_id" in form:
        payload["problem_code_id"] = row_id(form["problem_code_id"]) \
            if form["problem_code_id"] else None
    if "address" in form:
        payload["address"] = form["address"]
    if "latitude" in form or "longitude" in form:
        payload["latitude"] = form.get("latitude", "").strip() or None
        payload["longitude"] = form.get("longitude", "").strip() or None
    return payload


def _typed_code(text: str) -> CodeView | None:
    found = services().problem_codes.find(text)
    exact = [c for c in found if text.casefold() in (c.code.casefold(), c.name.casefold())]
    if len(exact) == 1:
        return exact[0]
    return found[0] if len(found) == 1 else None


def _work_order_choice(form: Mapping[str, str]) -> dict[str, Any]:
    choice = form.get("work_order", "")
    if choice == "new":
        return {"new_work_order": True}
    chosen = row_id(choice) if choice else None
    return {"work_order_id": chosen} if chosen is not None else {}


def _completed_words(view: RequestView) -> str:
    row = view.request
    done = f"{TYPE_NAMES[row.type]} {row.id} is complete."
    created = [h for h in view.history if h.event == "work_order_created"]
    linked = [h for h in view.history if h.event == "work_order_linked"]
    if row.work_order_id and linked and (not created or linked[-1].at >= created[-1].at):
        return f"{done} It is linked to work order {linked[-1].new}."
    if row.work_order_id and created:
        return f"{done} Work order {created[-1].new} was created."
    return done


def _history(view: RequestView) -> list[tuple[Any, str, str]]:
    names = _agent_names([h.agent_id for h in view.history])
    rows = []
    for h in view.history:
        what = EVENT_WORDS.get(h.event, h.event)
        if h.event == "type":
            what = f"{TYPE_NAMES.get(h.old, h.old)} became {TYPE_NAMES.get(h.new, h.new)}"
        elif h.event == "logged":
            what = f"Logged as {TYPE_NAMES.get(h.new, h.new).lower()}"
        elif h.event == "details":
            fields = dict.fromkeys(FIELD_WORDS.get(f.strip(), f.strip())
                                   for f in h.new.split(","))
            what = "Saved " + ", ".join(fields)
        elif h.event in ("work_order_created", "work_order_linked"):
            what = f"{what} {h.new}"
        rows.append((h.at, what, names.get(h.agent_id, "")))
    return rows


def _agent_names(ids: list[int | None]) -> dict[int | None, str]:
    known = agent_names()
    return {i: known.get(i, "") for i in ids if i is not None}


def _people(items: Any) -> dict[int, str]:
    return services().customers.user_names(r.customer_user_id for r in items
                                           if r.customer_user_id)


def _code(code_id: int | None) -> CodeView | None:
    if code_id is None:
        return None
    try:
        return services().problem_codes.get(code_id)
    except NotFound:
        return None


def _work_order(work_order_id: int | None) -> Any:
    if work_order_id is None:
        return None
    try:
        return services().work_orders.get(work_order_id)
    except NotFound:
        return None


def _user(user_id: int | None) -> Any:
    if user_id is None:
        return None
    try:
        return services().customers.get_user(user_id)
    except NotFound:
        return None
