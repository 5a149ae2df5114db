"""/api/v1 of the booking bridge: the catalog (locations, services, resources, their
weekly hours and exceptions), free slots, and bookings.

``/locations``, ``/services``, ``/resources`` (with ``/hours/<working|online>``,
``/exceptions`` and ``/feed-token``), ``GET /slots?service_id&location_id[&from]
[&days][&part_of_day]``, ``GET /bookings?customer_user_id`` (upcoming, previous,
locations) or ``?location_id[&resource_id][&from][&days]`` (the calendar),
``POST /bookings``, ``GET``/``PATCH /bookings/<id>`` (reschedule) and
``POST /bookings/cancel``.  Ids named in a body or query string that name no
row are 422s naming the field; ids in the path are 404s.

Every route needs the bookings permission.  Rescheduling and cancelling also
need ``password``: the password of the agent whose token calls (the owner
token, which is nobody's, is exempt); a wrong one is a 422 naming
``password`` and counts towards the log-in throttle.  Book, reschedule and
cancel mail the customer and the resource unless ``notify_customer`` /
``notify_resource`` are false.  Booking times are ISO 8601 with the
location's offset, next to the location's zone name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import current_principal, requires
from ringback.booking_bridge import validation as v
from ringback.booking_bridge.catalog import BookingCatalog, ServiceScope
from ringback.booking_bridge.listing import BookingLine, BookingListing, utc
from ringback.booking_bridge.notices import BookingNotices
from ringback.booking_bridge.slots import PartOfDay, Slot
from ringback.booking_bridge.validation import hhmm, hours_kind
from ringback.console.throttle import client_address
from ringback.errors import NotFound, ValidationError
from ringback.parsing import MAX_ROW_ID, row_id
from ringback.store.bookings import (
    Booking,
    HoursKind,
    Location,
    Resource,
    ResourceException,
    ResourceHours,
    Service,
)
from ringback.store.models import Permission

BOOKINGS = Permission.BOOKINGS


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    def catalog() -> BookingCatalog:
        return services().booking_catalog

    def feed_url(resource: Resource) -> str:
        return f"{services().settings.public_base_url.rstrip('/')}" \
               f"/calendar/{resource.feed_token}.ics"

    def resource_json(resource: Resource) -> dict[str, Any]:
        return {"id": resource.id, "location_id": resource.location_id, "name": resource.name,
                "kind": resource.kind, "email": resource.email, "feed_url": feed_url(resource)}

    # -- locations ---------------------------------------------------------------------

    @bp.get("/locations")
    @requires(BOOKINGS)
    def list_locations() -> ResponseReturnValue:
        return jsonify(locations=[location_json(x) for x in catalog().locations()])

    @bp.post("/locations")
    @requires(BOOKINGS)
    def create_location() -> ResponseReturnValue:
        return jsonify(location_json(catalog().create_location(json_body()))), 201

    @bp.get("/locations/<id:location_id>")
    @requires(BOOKINGS)
    def get_location(location_id: int) -> ResponseReturnValue:
        return jsonify(location_json(catalog().get_location(location_id)))

    @bp.patch("/locations/<id:location_id>")
    @requires(BOOKINGS)
    def update_location(location_id: int) -> ResponseReturnValue:
        return jsonify(location_json(catalog().update_location(location_id, json_body())))

    @bp.delete("/locations/<id:location_id>")
    @requires(BOOKINGS)
    def delete_location(location_id: int) -> ResponseReturnValue:
        catalog().delete_location(location_id)
        return "", 204

    # -- services ----------------------------------------------------------------------

    @bp.get("/services")
    @requires(BOOKINGS)
    def list_services() -> ResponseReturnValue:
        location_id, scope = location_filter(), request.args.get("scope") or None
        if scope is not None and scope not in ServiceScope.ALL:
            raise ValidationError({"scope": f"must be one of {', '.join(ServiceScope.ALL)}"})
        found = catalog().services(location_id=location_id, scope=scope)
        return jsonify(services=[service_json(s) for s in found])

    @bp.post("/services")
    @requires(BOOKINGS)
    def create_service() -> ResponseReturnValue:
        return jsonify(service_json(catalog().create_service(json_body()))), 201

    @bp.get("/services/<id:service_id>")
    @requires(BOOKINGS)
    def get_service(service_id: int) -> ResponseReturnValue:
        return jsonify(service_json(catalog().get_service(service_id)))

    @bp.patch("/services/<id:service_id>")
    @requires(BOOKINGS)
    def update_service(service_id: int) -> ResponseReturnValue:
        return jsonify(service_json(catalog().update_service(service_id, json_body())))

    @bp.delete("/services/<id:service_id>")
    @requires(BOOKINGS)
    def delete_service(service_id: int) -> ResponseReturnValue:
        catalog().delete_service(service_id)
        return "", 204

    # -- resources ---------------------------------------------------------------------

    @bp.get("/resources")
    @requires(BOOKINGS)
    def list_resources() -> ResponseReturnValue:
        found = catalog().resources(location_id=location_filter())
        return jsonify(resources=[resource_json(r) for r in found])

    @bp.post("/resources")
    @requires(BOOKINGS)
    def create_resource() -> ResponseReturnValue:
        return jsonify(resource_json(catalog().create_resource(json_body()))), 201

    @bp.get("/resources/<id:resource_id>")
    @requires(BOOKINGS)
    def get_resource(resource_id: int) -> ResponseReturnValue:
        return jsonify(resource_json(catalog().get_resource(resource_id)))

    @bp.patch("/resources/<id:resource_id>")
    @requires(BOOKINGS)
    def update_resource(resource_id: int) -> ResponseReturnValue:
        return jsonify(resource_json(catalog().update_resource(resource_id, json_body())))

    @bp.delete("/resources/<id:resource_id>")
    @requires(BOOKINGS)
    def delete_resource(resource_id: int) -> ResponseReturnValue:
        catalog().delete_resource(resource_id)
        return "", 204

    @bp.post("/resources/<id:resource_id>/feed-token")
    @requires(BOOKINGS)
    def renew_feed_token(resource_id: int) -> ResponseReturnValue:
        return jsonify(resource_json(catalog().renew_feed_token(resource_id)))

    @bp.get("/resources/<id:resource_id>/hours/<kind>")
    @requires(BOOKINGS)
    def get_hours(resource_id: int, kind: str) -> ResponseReturnValue:
        which = path_hours_kind(kind)
        return jsonify(hours_json(which, catalog().hours(resource_id, which)))

    @bp.put("/resources/<id:resource_id>/hours/<kind>")
    @requires(BOOKINGS)
    def put_hours(resource_id: int, kind: str) -> ResponseReturnValue:
        which = path_hours_kind(kind)
        body = json_body()
        unknown = sorted(set(body) - {"hours"})
        if unknown:
            raise ValidationError({name: "is not a field; send {\"hours\": [...]}"
                                   for name in unknown})
        catalog().set_hours(resource_id, which, body.get("hours"))
        return jsonify(hours_json(which, catalog().hours(resource_id, which)))

    @bp.get("/resources/<id:resource_id>/exceptions")
    @requires(BOOKINGS)
    def list_exceptions(resource_id: int) -> ResponseReturnValue:
        return jsonify(exceptions=[exception_json(e)
                                   for e in catalog().exceptions(resource_id)])

    @bp.post("/resources/<id:resource_id>/exceptions")
    @requires(BOOKINGS)
    def add_exception(resource_id: int) -> ResponseReturnValue:
        return jsonify(exception_json(catalog().add_exception(resource_id, json_body()))), 201

    @bp.delete("/resources/<id:resource_id>/exceptions/<id:exception_id>")
    @requires(BOOKINGS)
    def remove_exception(resource_id: int, exception_id: int) -> ResponseReturnValue:
        catalog().remove_exception(resource_id, exception_id)
        return "", 204

    # -- slots and bookings ------------------------------------------------------------

    @bp.get("/slots")
    @requires(BOOKINGS)
    def list_slots() -> ResponseReturnValue:
        errors: dict[str, str] = {}
        service_id = v.query_id(errors, request.args, "service_id", required=True)
        location_id = v.query_id(errors, request.args, "location_id", required=True)
        start, days = v.days_query(errors, request.args)
        part = request.args.get("part_of_day") or None
        part_of_day = next((p for p in PartOfDay if p.value == part), None)
        if part is not None and part_of_day is None:
            errors["part_of_day"] = "must be one of " + ", ".join(p.value for p in PartOfDay)
        v.raise_if(errors)
        assert service_id is not None and location_id is not None
        s = services()
        with ids_named_in_request():
            zone = s.slots.zone_of(location_id)
            found = s.slots.free_slots(
                service_id, location_id, start or today_in(zone), days, part_of_day,
                s.account_settings.current().resource_availability)
        return jsonify(time_zone=zone.key, slots=[slot_json(slot, zone) for slot in found])

    @bp.get("/bookings")
    @requires(BOOKINGS)
    def list_bookings() -> ResponseReturnValue:
        errors: dict[str, str] = {}
        customer_id = v.query_id(errors, request.args, "customer_user_id")
        location_id = v.query_id(errors, request.args, "location_id")
        resource_id = v.query_id(errors, request.args, "resource_id")
        start, days = v.days_query(errors, request.args)
        if customer_id is None and location_id is None and not errors:
            errors["customer_user_id"] = "or location_id is needed: whose bookings to list"
        v.raise_if(errors)
        book = services().bookings
        with ids_named_in_request():
            if customer_id is not None:
                upcoming, previous = book.for_customer(customer_id)
                places = book.customer_locations(customer_id)
                return jsonify(upcoming=bookings_json(upcoming), previous=bookings_json(previous),
                               locations=[location_json(p) for p in places])
            assert location_id is not None
            zone = services().slots.zone_of(location_id)
            found = book.calendar(location_id, start or today_in(zone), days, resource_id)
        return jsonify(bookings=bookings_json(found))

    @bp.post("/bookings")
    @requires(BOOKINGS)
    def create_bookings() -> ResponseReturnValue:
        asked = v.book_request(json_body())
        s = services()
        account = s.account_settings.current()
        with ids_named_in_request():
            made = s.bookings.book(
                asked["customer_user_id"], asked["service_id"], asked["location_id"],
                asked["starts"], note=asked["note"], agent_id=current_principal().agent_id,
                call_ref=asked["call_ref"], multiple_allowed=account.multiple_slot_selection,
                availability=account.resource_availability)
        notices().booked(made, notify_customer=asked["notify_customer"],
                         notify_resource=asked["notify_resource"])
        return jsonify(bookings=bookings_json(made)), 201

    @bp.get("/bookings/<id:booking_id>")
    @requires(BOOKINGS)
    def get_booking(booking_id: int) -> ResponseReturnValue:
        return jsonify(bookings_json([services().bookings.get(booking_id)])[0])

    @bp.patch("/bookings/<id:booking_id>")
    @requires(BOOKINGS)
    def reschedule_booking(booking_id: int) -> ResponseReturnValue:
        body = json_body()
        asked = v.reschedule_request(body)
        s = services()
        before = s.bookings.get(booking_id)
        confirm_agent_password(body)
        after = s.bookings.reschedule(
            booking_id, asked["starts_at"], location_id=asked["location_id"],
            availability=s.account_settings.current().resource_availability)
        notices().rescheduled(before, after, notify_customer=asked["notify_customer"],
                              notify_resource=asked["notify_resource"])
        return jsonify(bookings_json([after])[0])

    @bp.post("/bookings/cancel")
    @requires(BOOKINGS)
    def cancel_bookings() -> ResponseReturnValue:
        body = json_body()
        asked = v.cancel_request(body)
        confirm_agent_password(body)
        with ids_named_in_request({"booking": "booking_ids"}):
            done = services().bookings.cancel(asked["booking_ids"])
        notices().cancelled(done, notify_customer=asked["notify_customer"],
                            notify_resource=asked["notify_resource"])
        return jsonify(bookings=bookings_json(done))


# Ids a request names in its body or query string: an unknown one is bad input (422
# naming the field), not a missing page.
_NAMED_IDS = {"customer user": "customer_user_id", "service": "service_id",
              "location": "location_id", "resource": "resource_id"}


@contextmanager
def ids_named_in_request(more: dict[str, str] | None = None) -> Iterator[None]:
    fields = {**_NAMED_IDS, **(more or {})}
    try:
        yield
    except NotFound as missing:
        field = fields.get(missing.what)
        if field is None:
            raise
        raise ValidationError({field: f"names no {missing.what} (there is no "
                                      f"{missing.what} {missing.ident})"}) from None


def confirm_agent_password(body: dict[str, Any]) -> None:
    """Rescheduling and cancelling ask the calling agent for their own password
    (the owner token is nobody's and needs none); wrong answers count towards the
    log-in throttle like the console's."""
    from ringback.api import services

    principal = current_principal()
    if principal.agent_id is None:
        return
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise ValidationError({"password": "must be your own password (the agent whose "
                                           "token calls)"})
    s = services()
    email = s.agents.get(principal.agent_id).email
    address = client_address(request.remote_addr or "",
                             request.headers.getlist("X-Forwarded-For"),
                             s.settings.trusted_proxies)
    attempt = s.login_throttle.attempt(email, address)
    refusal = attempt.refused
    if refusal is None:
        if s.agents.check_password(email, password) is not None:
            s.login_throttle.succeeded(email, address)
            return
        refusal = attempt.if_wrong
    if refusal is not None:
        wait = refusal.wait_text(s.clock.now())
        raise ValidationError({"password": f"was wrong too often; try again in {wait}"})
    raise ValidationError({"password": "is not your password"})


def notices() -> BookingNotices:
    from ringback.api import services

    return services().booking_notices


def today_in(zone: ZoneInfo) -> date:
    from ringback.api import services

    return datetime.fromtimestamp(services().clock.now(), zone).date()


def local_iso(when: datetime, zone: ZoneInfo) -> str:
    return utc(when).astimezone(zone).isoformat()


def slot_json(slot: Slot, zone: ZoneInfo) -> dict[str, Any]:
    return {"starts_at": local_iso(slot.starts_at, zone),
            "ends_at": local_iso(slot.ends_at, zone), "time_zone": zone.key,
            "parts": [{"resource_id": p.resource_id, "service_id": p.service_id,
                       "starts_at": local_iso(p.starts_at, zone),
                       "ends_at": local_iso(p.ends_at, zone)} for p in slot.parts]}


def bookings_json(bookings: Sequence[Booking]) -> list[dict[str, Any]]:
    """Bookings with names, times in their location's zone (one read for all)."""
    from ringback.api import services

    lines = BookingListing(services().db).lines(bookings)
    return [booking_json(b, line) for b, line in zip(bookings, lines, strict=True)]


def booking_json(booking: Booking, line: BookingLine) -> dict[str, Any]:
    zone = ZoneInfo(line.zone)
    return {
        "id": booking.id, "status": booking.status,
        "customer_user_id": booking.customer_user_id, "customer": line.customer,
        "service_id": booking.service_id, "service": line.service,
        "location_id": booking.location_id, "location": line.location,
        "time_zone": line.zone, "starts_at": line.starts.isoformat(),
        "ends_at": line.ends.isoformat(),
        "resources": [{"id": rid, "name": name}
                      for rid, name in zip(line.resource_ids, line.resources, strict=True)],
        "parts": [{"resource_id": p.resource_id, "service_id": p.service_id,
                   "starts_at": local_iso(p.starts_at, zone),
                   "ends_at": local_iso(p.ends_at, zone)} for p in booking.parts],
        "note": booking.note, "booked_by_agent_id": booking.booked_by_agent_id,
        "call_ref": booking.call_ref,
        "cancelled_at": local_iso(booking.cancelled_at, zone) if booking.cancelled_at else None,
    }


def location_filter(name: str = "location_id") -> int | None:
    """An optional id in the query string (absent or empty: None)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    found = row_id(raw)
    if found is None:
        raise ValidationError({name: f"must be a whole number from 1 to {MAX_ROW_ID}"})
    return found


def path_hours_kind(kind: str) -> HoursKind:
    found = hours_kind(kind)
    if found is None:
        raise NotFound("kind of hours (working or online)", kind)
    return found


def location_json(location: Location) -> dict[str, Any]:
    return {"id": location.id, "name": location.name, "address": location.address,
            "time_zone": location.time_zone}


def service_json(service: Service) -> dict[str, Any]:
    return {"id": service.id, "name": service.name, "kind": service.kind,
            "duration_minutes": service.duration_minutes, "location_id": service.location_id,
            "global": service.location_id is None, "location_ids": service.location_ids,
            "parts": service.part_ids}


def hours_json(kind: HoursKind, rows: list[ResourceHours]) -> dict[str, Any]:
    return {"kind": kind.value,
            "hours": [{"weekday": h.weekday, "start": hhmm(h.start_minute),
                       "end": hhmm(h.end_minute)} for h in rows]}


def exception_json(row: ResourceException) -> dict[str, Any]:
    return {"id": row.id, "resource_id": row.resource_id, "day": row.day.isoformat(),
            "kind": row.kind,
            "start": hhmm(row.start_minute) if row.start_minute is not None else None,
            "end": hhmm(row.end_minute) if row.end_minute is not None else None,
            "note": row.note}
