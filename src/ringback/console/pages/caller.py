"""The screen pop: who is calling, the moment an agent is offered or takes a call.

``/console/caller?phone=...&call=<ref>`` shows the call and the customer users
with that number: one opens that user's information center (with the call's
details), several are offered to choose from, an unknown number offers "new
phone ticket" with the number filled in and "add customer user". The live
board links here for the call offered to the agent or on the line, and
accepting a call in the console comes here (a booking call goes to the
caller's bookings instead).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area
from ringback.console.booking_form import call_ref
from ringback.console.context import services
from ringback.errors import NotFound
from ringback.store.models import Permission

TICKETS = area(Permission.TICKETS)
USER_CENTER = "console.customer_user_center"
NEW_PHONE_TICKET = "console.new_phone_ticket"


def has_page(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def register(bp: Blueprint) -> None:
    @bp.get("/caller")
    @access(TICKETS)
    def caller() -> ResponseReturnValue:
        s = services()
        phone = (request.args.get("phone") or "").strip()
        call = call_ref(request.args)
        matches = s.customers.find_by_phone(phone) if phone else []
        if len(matches) == 1 and has_page(USER_CENTER):
            return redirect(url_for(USER_CENTER, user_id=matches[0].user_id, call=call))
        if not matches and phone and has_page(NEW_PHONE_TICKET):
            return redirect(url_for(NEW_PHONE_TICKET, phone=phone, call=call))
        details = None
        if call:
            try:
                details = s.routing.offers.view(s.routing.offers.get(call))
            except NotFound:
                details = None  # the call has ended or left the queue
        timeline = s.call_timeline.for_numbers([matches[0].e164]) if matches else []
        return render_template("console/caller.html", phone=phone, call=call,
                               matches=matches, details=details, timeline=timeline,
                               has_page=has_page)
