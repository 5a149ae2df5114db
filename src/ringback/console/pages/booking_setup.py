"""The booking setup pages: locations, services, staff and rooms, their weekly hours
and dated exceptions, over ``BookingCatalog``.

Each form becomes the catalog's payload (``console.booking_setup_form``), so the
pages keep exactly the catalog's (and the API's) rules and show its messages at
the fields they name; a refused form stores nothing and comes back with 422.
The Bookings permission opens them, as it opens the API; every change lands in
the audit log (``booking_setup.*``) and is announced on the next page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.booking_bridge.validation import hours_kind
from ringback.console import booking_setup_form as f
from ringback.console.access import access, area, require_viewer
from ringback.console.audit import Actor
from ringback.console.context import audit_log, services
from ringback.console.web import notify
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.store.bookings import HoursKind, Location, Resource, Service, ServiceKind
from ringback.store.models import Permission

BOOKINGS = area(Permission.BOOKINGS)
CONFIRM_RULE = "Tick the box to confirm the deletion"


def register(bp: Blueprint) -> None:
    @bp.get("/bookings/setup")
    @access(BOOKINGS)
    def booking_setup() -> ResponseReturnValue:
        c = _catalog()
        locations, all_services = c.locations(), c.services()
        return render_template(
            "console/booking_setup.html", locations=locations, services=all_services,
            resources=_by_location(c.resources()), names=_names(locations, all_services),
            offered_at=_offered_at(all_services),
            week=f.week_of, kinds=f.RESOURCE_KINDS, where=f.where_text,
            minutes=f.minutes_text, HoursKind=HoursKind)

    # -- locations ---------------------------------------------------------------------

    @bp.route("/bookings/setup/locations/new", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_new_location() -> ResponseReturnValue:
        if request.method == "GET":
            return _location_page(None, f.LocationForm(), {})
        shown, payload = f.read_location(request.form)
        try:
            location = _catalog().create_location(payload)
        except ValidationError as exc:
            return _location_page(None, shown, f.location_errors(exc.errors)), 422
        _audit(f.SetupAudit.LOCATION_ADDED, location.name, f.location_summary(location))
        notify(f"{location.name} is added. Add its staff and rooms next.")
        return redirect(url_for("console.booking_setup_location", location_id=location.id))

    @bp.route("/bookings/setup/locations/<int:location_id>", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_location(location_id: int) -> ResponseReturnValue:
        before = _catalog().get_location(location_id)
        if request.method == "GET":
            return _location_page(before, f.location_form(before), {})
        shown, payload = f.read_location(request.form)
        try:
            after = _catalog().update_location(location_id, payload)
        except ValidationError as exc:
            return _location_page(before, shown, f.location_errors(exc.errors)), 422
        changed = f.changes(f.location_summary(before), f.location_summary(after))
        if changed:
            _audit(f.SetupAudit.LOCATION_CHANGED, after.name, changed)
        notify(f"{after.name} is saved." if changed else "Nothing changed.")
        return redirect(url_for("console.booking_setup_location", location_id=location_id))

    @bp.post("/bookings/setup/locations/<int:location_id>/delete")
    @access(BOOKINGS)
    def booking_setup_delete_location(location_id: int) -> ResponseReturnValue:
        location = _catalog().get_location(location_id)
        if request.form.get("confirm") != "yes":
            return _location_page(location, f.location_form(location), {},
                                  delete_error=CONFIRM_RULE), 422
        try:
            _catalog().delete_location(location_id)
        except Conflict as exc:
            return _location_page(location, f.location_form(location), {},
                                  delete_error=_sentence(exc)), 409
        _audit(f.SetupAudit.LOCATION_REMOVED, location.name, f.location_summary(location))
        notify(f"{location.name} is deleted, with its staff, rooms and local services.")
        return redirect(url_for("console.booking_setup"))

    # -- services ----------------------------------------------------------------------

    @bp.route("/bookings/setup/services/new", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_new_service() -> ResponseReturnValue:
        if request.method == "GET":
            where = request.args.get("location", "")
            return _service_page(None, f.ServiceForm(where=where if where.isdigit() else ""),
                                 {})
        shown, payload, part_fields = f.read_service(request.form, None)
        try:
            service = _catalog().create_service(payload)
        except ValidationError as exc:
            return _service_page(None, shown, f.service_errors(exc.errors, part_fields)), 422
        _audit(f.SetupAudit.SERVICE_ADDED, service.name, _service_summary(service))
        notify(f"{service.name} is added.")
        return redirect(url_for("console.booking_setup"))

    @bp.route("/bookings/setup/services/<int:service_id>", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_service(service_id: int) -> ResponseReturnValue:
        before = _catalog().get_service(service_id)
        if request.method == "GET":
            return _service_page(before, f.service_form(before), {})
        shown, payload, part_fields = f.read_service(request.form, before)
        summary = _service_summary(before)
        try:
            after = _catalog().update_service(service_id, payload)
        except ValidationError as exc:
            return _service_page(before, shown, f.service_errors(exc.errors, part_fields)), 422
        changed = f.changes(summary, _service_summary(after))
        if changed:
            _audit(f.SetupAudit.SERVICE_CHANGED, after.name, changed)
        notify(f"{after.name} is saved." if changed else "Nothing changed.")
        return redirect(url_for("console.booking_setup"))

    @bp.post("/bookings/setup/services/<int:service_id>/delete")
    @access(BOOKINGS)
    def booking_setup_delete_service(service_id: int) -> ResponseReturnValue:
        service = _catalog().get_service(service_id)
        if request.form.get("confirm") != "yes":
            return _service_page(service, f.service_form(service), {},
                                 delete_error=CONFIRM_RULE), 422
        summary = _service_summary(service)
        try:
            _catalog().delete_service(service_id)
        except Conflict as exc:
            return _service_page(service, f.service_form(service), {},
                                 delete_error=_service_conflict(service, exc)), 409
        _audit(f.SetupAudit.SERVICE_REMOVED, service.name, summary)
        notify(f"{service.name} is deleted.")
        return redirect(url_for("console.booking_setup"))

    # -- resources ---------------------------------------------------------------------

    @bp.route("/bookings/setup/locations/<int:location_id>/resources/new",
              methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_new_resource(location_id: int) -> ResponseReturnValue:
        location = _catalog().get_location(location_id)
        if request.method == "GET":
            return _resource_page(location, None, f.ResourceForm(), {})
        shown, payload = f.read_resource(request.form, location.id)
        try:
            resource = _catalog().create_resource(payload)
        except ValidationError as exc:
            return _resource_page(location, None, shown, f.resource_errors(exc.errors)), 422
        _audit(f.SetupAudit.RESOURCE_ADDED, _target(resource, location),
               f.resource_summary(resource, location.name))
        notify(f"{resource.name} is added to {location.name}. Set the working and online "
               "booking hours next.")
        return redirect(url_for("console.booking_setup_resource", resource_id=resource.id))

    @bp.route("/bookings/setup/resources/<int:resource_id>", methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_resource(resource_id: int) -> ResponseReturnValue:
        before = _catalog().get_resource(resource_id)
        location = _catalog().get_location(before.location_id)
        if request.method == "GET":
            return _resource_page(location, before, f.resource_form(before), {})
        shown, payload = f.read_resource(request.form, None)
        try:
            after = _catalog().update_resource(resource_id, payload)
        except ValidationError as exc:
            return _resource_page(location, before, shown, f.resource_errors(exc.errors)), 422
        changed = f.changes(f.resource_summary(before, location.name),
                            f.resource_summary(after, location.name))
        if changed:
            _audit(f.SetupAudit.RESOURCE_CHANGED, _target(after, location), changed)
        notify(f"{after.name} is saved." if changed else "Nothing changed.")
        return redirect(url_for("console.booking_setup_resource", resource_id=resource_id))

    @bp.post("/bookings/setup/resources/<int:resource_id>/feed")
    @access(BOOKINGS)
    def booking_setup_renew_feed(resource_id: int) -> ResponseReturnValue:
        resource = _catalog().renew_feed_token(resource_id)
        location = _catalog().get_location(resource.location_id)
        _audit(f.SetupAudit.FEED_RENEWED, _target(resource, location), {})
        notify(f"The calendar link of {resource.name} is renewed; the old link no longer "
               "works. Subscribe again with the new one.")
        return redirect(url_for("console.booking_setup_resource", resource_id=resource_id))

    @bp.post("/bookings/setup/resources/<int:resource_id>/delete")
    @access(BOOKINGS)
    def booking_setup_delete_resource(resource_id: int) -> ResponseReturnValue:
        resource = _catalog().get_resource(resource_id)
        location = _catalog().get_location(resource.location_id)
        if request.form.get("confirm") != "yes":
            return _resource_page(location, resource, f.resource_form(resource), {},
                                  delete_error=CONFIRM_RULE), 422
        try:
            _catalog().delete_resource(resource_id)
        except Conflict as exc:
            return _resource_page(location, resource, f.resource_form(resource), {},
                                  delete_error=_sentence(exc)), 409
        _audit(f.SetupAudit.RESOURCE_REMOVED, _target(resource, location),
               f.resource_summary(resource, location.name))
        notify(f"{resource.name} is deleted from {location.name}.")
        return redirect(url_for("console.booking_setup"))

    # -- hours and exceptions --------------------------------------------------------

    @bp.route("/bookings/setup/resources/<int:resource_id>/hours/<kind>",
              methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_hours(resource_id: int, kind: str) -> ResponseReturnValue:
        hours = hours_kind(kind)
        if hours is None:
            raise NotFound("kind of hours", kind)
        resource = _catalog().get_resource(resource_id)
        location = _catalog().get_location(resource.location_id)
        if request.method == "GET":
            shown = f.hours_form(_catalog().hours(resource_id, hours))
            return _hours_page(location, resource, hours, shown, {})
        shown, spans, places = f.read_hours(request.form)
        try:
            rows = _catalog().set_hours(resource_id, hours, spans)
        except ValidationError as exc:
            return _hours_page(location, resource, hours, shown,
                               f.hours_errors(exc.errors, places)), 422
        _audit(f.SetupAudit.HOURS_CHANGED, _target(resource, location),
               {"hours": f.HOURS_WORDS[hours], "week": f.week_text(rows)})
        notify(f"{f.HOURS_WORDS[hours]} of {resource.name} are saved.")
        return redirect(url_for("console.booking_setup_resource", resource_id=resource_id))

    @bp.route("/bookings/setup/resources/<int:resource_id>/exceptions",
              methods=["GET", "POST"])
    @access(BOOKINGS)
    def booking_setup_exceptions(resource_id: int) -> ResponseReturnValue:
        resource = _catalog().get_resource(resource_id)
        location = _catalog().get_location(resource.location_id)
        if request.method == "GET":
            return _exceptions_page(location, resource, f.ExceptionForm(), {})
        shown, payload, errors = f.read_exception(request.form)
        if not errors:
            try:
                row = _catalog().add_exception(resource_id, payload)
            except ValidationError as exc:
                errors = exc.errors
        if errors:
            return _exceptions_page(location, resource, shown, f.exception_errors(errors)), 422
        _audit(f.SetupAudit.EXCEPTION_ADDED, _target(resource, location),
               f.exception_summary(row))
        notify(f"{f.exception_text(row)} on {row.day.isoformat()} is added for {resource.name}.")
        return redirect(url_for("console.booking_setup_exceptions", resource_id=resource_id))

    @bp.post("/bookings/setup/resources/<int:resource_id>/exceptions/<int:exception_id>/remove")
    @access(BOOKINGS)
    def booking_setup_remove_exception(resource_id: int, exception_id: int
                                       ) -> ResponseReturnValue:
        resource = _catalog().get_resource(resource_id)
        location = _catalog().get_location(resource.location_id)
        row = next((r for r in resource.exceptions if r.id == exception_id), None)
        if row is None:
            raise NotFound("exception", exception_id)
        _catalog().remove_exception(resource_id, exception_id)
        _audit(f.SetupAudit.EXCEPTION_REMOVED, _target(resource, location),
               f.exception_summary(row))
        notify(f"{f.exception_text(row)} on {row.day.isoformat()} is removed for "
               f"{resource.name}.")
        return redirect(url_for("console.booking_setup_exceptions", resource_id=resource_id))


def _catalog() -> BookingCatalog:
    return services().booking_catalog


def _audit(action: f.SetupAudit, target: str, details: dict[str, Any]) -> None:
    audit_log().record(Actor.of(require_viewer().agent), action, target=target, details=details)


def _target(resource: Resource, location: Location) -> str:
    return f"{resource.name} ({location.name})"


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


def _by_location(resources: list[Resource]) -> dict[int, list[Resource]]:
    found: dict[int, list[Resource]] = {}
    for resource in resources:
        found.setdefault(resource.location_id, []).append(resource)
    return found


def _offered_at(all_services: list[Service]) -> dict[int, list[Service]]:
    found: dict[int, list[Service]] = {}
    for service in all_services:
        for location_id in service.location_ids:
            found.setdefault(location_id, []).append(service)
    return found


def _names(locations: list[Location], all_services: list[Service]) -> dict[str, dict[int, str]]:
    return {"locations": {loc.id: loc.name for loc in locations},
            "services": {s.id: s.name for s in all_services}}


def _service_summary(service: Service) -> dict[str, Any]:
    c = _catalog()
    names = _names(c.locations(), c.services())
    return f.service_summary(service, names["services"], names["locations"])


def _service_conflict(service: Service, exc: Conflict) -> str:
    """The catalog's refusal, with the combined services that use this one by name."""
    users = [s.name for s in _catalog().services() if service.id in s.part_ids]
    if users:
        return (f"{service.name} is a part of {', '.join(users)}; remove it from there "
                "first")
    return _sentence(exc)


def _location_page(location: Location | None, shown: f.LocationForm, errors: dict[str, str],
                   *, delete_error: str | None = None) -> str:
    return render_template(
        "console/booking_setup_location.html", location=location, shown=shown, errors=errors,
        labels=f.LOCATION_LABELS, zones=f.COMMON_ZONES, delete_error=delete_error,
        resources=_catalog().resources(location_id=location.id) if location else [])


def _service_page(service: Service | None, shown: f.ServiceForm, errors: dict[str, str],
                  *, delete_error: str | None = None) -> str:
    c = _catalog()
    locations, all_services = c.locations(), c.services()
    singles = [s for s in all_services if s.kind == ServiceKind.SINGLE.value
               and (service is None or s.id != service.id)]
    return render_template(
        "console/booking_setup_service.html", service=service, shown=shown, errors=errors,
        label=f.service_label, locations=locations, singles=singles,
        names=_names(locations, all_services),
        delete_error=delete_error, minutes=f.minutes_text)


def _resource_page(location: Location, resource: Resource | None, shown: f.ResourceForm,
                   errors: dict[str, str], *, delete_error: str | None = None) -> str:
    feed = (f.feed_url(services().settings.public_base_url, resource.feed_token)
            if resource else None)
    return render_template(
        "console/booking_setup_resource.html", location=location, resource=resource,
        shown=shown, errors=errors, labels=f.RESOURCE_LABELS, kinds=f.RESOURCE_KINDS,
        feed=feed, delete_error=delete_error, weekdays=f.WEEKDAYS,
        working=f.day_spans(resource.hours, HoursKind.WORKING) if resource else [],
        online=f.day_spans(resource.hours, HoursKind.ONLINE) if resource else [],
        HoursKind=HoursKind, hours_words=f.HOURS_WORDS)


def _hours_page(location: Location, resource: Resource, kind: HoursKind, shown: f.HoursForm,
                errors: dict[str, str]) -> str:
    return render_template(
        "console/booking_setup_hours.html", location=location, resource=resource, kind=kind,
        shown=shown, errors=errors, label=f.hours_label, cell=f.cell, cell_label=f.cell_label,
        weekdays=f.WEEKDAYS, hours_words=f.HOURS_WORDS, HoursKind=HoursKind)


def _exceptions_page(location: Location, resource: Resource, shown: f.ExceptionForm,
                     errors: dict[str, str]) -> str:
    return render_template(
        "console/booking_setup_exceptions.html", location=location, resource=resource,
        rows=resource.exceptions, shown=shown, errors=errors, labels=f.EXCEPTION_LABELS,
        choices=f.EXCEPTION_CHOICES, describe=f.exception_text)
