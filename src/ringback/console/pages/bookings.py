"""The booking pages agents work with while a caller is on the line.

Find or add the customer (the caller's number prefilled when the page opens
from a call), see their bookings, book one or several free slots, reschedule
one, cancel several at once. Rescheduling and cancelling ask for the agent's
password; the mail checkboxes start ticked. Every page here needs the
Bookings permission, as the API does. ``?call=<ref>`` carries the call the
agent took, so the bookings record it.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.booking_bridge.bookings import MAX_SELECTED, SlotTaken
from ringback.booking_bridge.listing import BookingLine
from ringback.console import booking_form as form
from ringback.console.access import access, area, confirm_password, require_viewer
from ringback.console.context import account_settings, services
from ringback.console.web import notify
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.store.models import Permission

BOOKINGS = area(Permission.BOOKINGS)


def register(bp: Blueprint) -> None:
    @bp.get("/bookings")
    @access(BOOKINGS)
    def bookings() -> ResponseReturnValue:
        q = (request.args.get("q") or "").strip()
        call = form.call_ref(request.args)
        found = form.find_customers(services(), q) if q else None
        return render_template("console/bookings.html", q=q, found=found, call=call)

    @bp.get("/bookings/caller")
    @access(BOOKINGS)
    def booking_for_caller() -> ResponseReturnValue:
        """Where an agent lands after taking a booking call: the caller's booking
        view when one customer has the number, a choice when several do, else
        "add customer" with the number filled in."""
        phone = (request.args.get("phone") or "").strip()
        call = form.call_ref(request.args)
        matches = services().customers.find_by_phone(phone) if phone else []
        if len(matches) == 1:
            return redirect(url_for("console.booking_customer", user_id=matches[0].user_id,
                                    call=call))
        if matches:
            return render_template("console/bookings.html", q=phone, call=call,
                                   found=form.found_from_matches(matches), from_call=True)
        return redirect(url_for("console.booking_new_customer", phone=phone, call=call))

    @bp.route("/bookings/customers/new", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_new_customer() -> ResponseReturnValue:
        call = form.call_ref(request.values)
        if request.method == "GET":
            shown = {"name": "", "phone": request.args.get("phone", ""), "email": ""}
            return render_template("console/booking_customer_form.html", shown=shown,
                                   errors={}, call=call)
        shown = {k: (request.form.get(k) or "").strip() for k in ("name", "phone", "email")}
        try:
            user = form.add_customer(services(), shown)
        except ValidationError as exc:
            return render_template("console/booking_customer_form.html", shown=shown,
                                   errors=form.customer_errors(exc.errors), call=call), 422
        notify(f"{user.name} is added. Book their appointment below.")
        return redirect(url_for("console.booking_customer", user_id=user.id, call=call))

    @bp.get("/bookings/customers/<int:user_id>")
    @access(BOOKINGS)
    def booking_customer(user_id: int) -> ResponseReturnValue:
        s = services()
        user = form.global_customer(s, user_id)
        upcoming, previous = s.bookings.for_customer(user.id)
        lines = s.booking_listing.lines([*upcoming, *previous])
        return render_template(
            "console/booking_customer.html", user=user, upcoming=lines[:len(upcoming)],
            previous=lines[len(upcoming):], call=form.call_ref(request.args),
            locations=[loc.name for loc in s.bookings.customer_locations(user.id)],
            max_selected=MAX_SELECTED)

    @bp.route("/bookings/customers/<int:user_id>/book", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_add(user_id: int) -> ResponseReturnValue:
        s = services()
        user = form.global_customer(s, user_id)
        settings = account_settings().current()
        choice = form.BookingChoice.read(request.values, s.clock)
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                made = s.bookings.book(
                    user.id, choice.service_id or 0, choice.location_id or 0,
                    form.chosen_starts(request.form),
                    note=(request.form.get("note") or "").strip(),
                    agent_id=require_viewer().agent.id, call_ref=choice.call,
                    multiple_allowed=settings.multiple_slot_selection,
                    availability=settings.resource_availability)
            except SlotTaken:
                errors["starts"] = form.SLOT_TAKEN
            except ValidationError as exc:
                errors.update(exc.errors)
            else:
                form.send_booked(s, made, request.form)
                notify(form.booked_message(s, made))
                return redirect(url_for("console.booking_customer", user_id=user.id,
                                        call=choice.call))
        page = form.add_page(s, choice, settings)
        return render_template("console/booking_add.html", user=user, page=page,
                               choice=choice, settings=settings,
                               errors=form.booking_errors(errors),
                               note=request.form.get("note", "")), 422 if errors else 200

    @bp.route("/bookings/<int:booking_id>/reschedule", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_reschedule(booking_id: int) -> ResponseReturnValue:
        s = services()
        line = form.booked_line(s, booking_id)
        settings = account_settings().current()
        choice = form.BookingChoice.read(request.values, s.clock).evolve(
            service_id=line.service_id, location_id=line.location_id)
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                confirm_password(require_viewer(), request.form.get("password"),
                                 field="password")
                starts = form.chosen_starts(request.form)
                if len(starts) != 1:
                    raise ValidationError({"starts": "pick the one new time"})
                before = s.bookings.get(booking_id)
                moved = s.bookings.reschedule(booking_id, starts[0],
                                              availability=settings.resource_availability)
            except SlotTaken:
                errors["starts"] = form.SLOT_TAKEN
            except ValidationError as exc:
                errors.update(exc.errors)
            else:
                form.send_rescheduled(s, before, moved, request.form)
                notify(f"Moved: {form.describe(s, moved)}.")
                return redirect(url_for("console.booking_customer",
                                        user_id=line.customer_user_id, call=choice.call))
        page = form.add_page(s, choice, settings, exclude_booking_id=booking_id)
        return render_template("console/booking_reschedule.html", line=line, page=page,
                               choice=choice, errors=form.booking_errors(errors)), \
            422 if errors else 200

    @bp.post("/bookings/customers/<int:user_id>/cancel")
    @access(BOOKINGS)
    def booking_cancel(user_id: int) -> ResponseReturnValue:
        s = services()
        user = form.global_customer(s, user_id)
        call = form.call_ref(request.form)
        ids = form.selected_ids(request.form)
        errors: dict[str, str] = {}
        lines: list[BookingLine] = []
        if not ids:
            notify("Tick the bookings to cancel first, then press Cancel selected.")
            return redirect(url_for("console.booking_customer", user_id=user.id, call=call))
        if len(ids) > MAX_SELECTED:
            errors["booking_ids"] = (f"at most {MAX_SELECTED} bookings can be cancelled at "
                                     f"once; you ticked {len(ids)}")
        else:
            lines = form.customer_lines(s, user.id, ids)
        if request.form.get("confirm") == "1" and not errors:
            try:
                confirm_password(require_viewer(), request.form.get("password"),
                                 field="password")
                cancelled = s.bookings.cancel(ids)
            except ValidationError as exc:
                errors.update(exc.errors)
            except (Conflict, NotFound) as exc:
                errors["booking_ids"] = str(exc)
            else:
                form.send_cancelled(s, cancelled, request.form)
                notify(f"Cancelled {len(cancelled)} booking{'s' if len(cancelled) != 1 else ''}"
                       f" of {user.name}.")
                return redirect(url_for("console.booking_customer", user_id=user.id,
                                        call=call))
        return render_template("console/booking_cancel.html", user=user, lines=lines, ids=ids,
                               errors=form.booking_errors(errors), call=call,
                               confirming=request.form.get("confirm") == "1"), \
            422 if errors else 200

    @bp.get("/bookings/calendar")
    @access(BOOKINGS)
    def booking_calendar() -> ResponseReturnValue:
        s = services()
        view = form.CalendarChoice.read(request.args, s.clock)
        return render_template("console/booking_calendar.html", cal=form.calendar(s, view),
                               view=view)

