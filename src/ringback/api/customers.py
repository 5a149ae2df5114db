"""/api/v1/customers and /api/v1/customer-users: the customer directory.

Both need the tickets permission (customers are the people tickets are
for). Lists take ``q`` (name, e-mail or phone number in any format; a
national number needs ``region``), ``limit`` (1-200, default 50) and
``offset``; customer users also ``customer_id``. Location-only customer users
(``location_id`` set, made inside one location of the booking bridge) are
left out of lists and the lookup unless ``location_id`` names their location. ``PATCH`` changes the
fields given, and ``phones`` replaces the whole list. A customer that still
has users is not deleted (409). ``POST /customer-users/import`` takes
``text/csv`` and stores every row or none (``ringback.customers.csv_import``).
``GET /customer-users/lookup?phone=...&region=...`` is the caller lookup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import requires
from ringback.customers import CustomerDirectory, CustomerUserMatch, Page
from ringback.customers.csv_import import MAX_IMPORT_BYTES, import_customer_users
from ringback.customers.phones import PhoneNumberRefused, check_region
from ringback.errors import ValidationError
from ringback.parsing import MAX_ROW_ID, row_id
from ringback.store.customers import Customer, CustomerUser
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    def directory() -> CustomerDirectory:
        return services().customers

    @bp.get("/customers")
    @requires(Permission.TICKETS)
    def list_customers() -> ResponseReturnValue:
        return jsonify(page_json("customers", directory().list_customers(request.args),
                                 customer_json))

    @bp.post("/customers")
    @requires(Permission.TICKETS)
    def create_customer() -> ResponseReturnValue:
        return jsonify(customer_json(directory().create_customer(json_body()))), 201

    @bp.get("/customers/<id:customer_id>")
    @requires(Permission.TICKETS)
    def get_customer(customer_id: int) -> ResponseReturnValue:
        return jsonify(customer_json(directory().get_customer(customer_id)))

    @bp.patch("/customers/<id:customer_id>")
    @requires(Permission.TICKETS)
    def update_customer(customer_id: int) -> ResponseReturnValue:
        return jsonify(customer_json(directory().update_customer(customer_id, json_body())))

    @bp.delete("/customers/<id:customer_id>")
    @requires(Permission.TICKETS)
    def delete_customer(customer_id: int) -> ResponseReturnValue:
        directory().delete_customer(customer_id)
        return "", 204

    @bp.get("/customer-users")
    @requires(Permission.TICKETS)
    def list_users() -> ResponseReturnValue:
        return jsonify(page_json("customer_users", directory().list_users(request.args),
                                 user_json))

    @bp.post("/customer-users")
    @requires(Permission.TICKETS)
    def create_user() -> ResponseReturnValue:
        return jsonify(user_json(directory().create_user(json_body()))), 201

    @bp.get("/customer-users/lookup")
    @requires(Permission.TICKETS)
    def lookup() -> ResponseReturnValue:
        phone = request.args.get("phone", "")
        try:
            region = check_region(request.args.get("region"))
        except PhoneNumberRefused as refused:
            raise ValidationError({"region": str(refused)}) from None
        if not phone.strip():
            raise ValidationError({"phone": "must be the caller's phone number"})
        location = request.args.get("location_id") or None
        location_id = row_id(location) if location is not None else None
        if location is not None and location_id is None:
            raise ValidationError({"location_id": f"must be a whole number from 1 to "
                                                  f"{MAX_ROW_ID}"})
        matches = directory().find_by_phone(phone, region, location_id=location_id)
        return jsonify(matches=[match_json(m) for m in matches])

    @bp.post("/customer-users/import")
    @requires(Permission.TICKETS)
    def import_users() -> ResponseReturnValue:
        if request.mimetype != "text/csv":
            raise ValidationError({"body": "must be CSV (Content-Type: text/csv)"})
        # A CSV file may be larger than the API's 1 MB: a file a little past the
        # import's own limit is told which limit it broke (422), a far larger one 413.
        request.max_content_length = MAX_IMPORT_BYTES + 64 * 1024
        data = request.stream.read(MAX_IMPORT_BYTES + 1)
        result = import_customer_users(services().db, data)
        return jsonify(imported=result.users, customers_created=result.customers_created), 201

    @bp.get("/customer-users/<id:user_id>")
    @requires(Permission.TICKETS)
    def get_user(user_id: int) -> ResponseReturnValue:
        return jsonify(user_json(directory().get_user(user_id)))

    @bp.patch("/customer-users/<id:user_id>")
    @requires(Permission.TICKETS)
    def update_user(user_id: int) -> ResponseReturnValue:
        return jsonify(user_json(directory().update_user(user_id, json_body())))

    @bp.delete("/customer-users/<id:user_id>")
    @requires(Permission.TICKETS)
    def delete_user(user_id: int) -> ResponseReturnValue:
        directory().delete_user(user_id)
        return "", 204


def page_json(key: str, page: Page, render: Any) -> dict[str, Any]:
    return {key: [render(item) for item in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


def customer_json(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.name, "email": customer.email,
            "created_at": _iso(customer.created_at), "updated_at": _iso(customer.updated_at)}


def user_json(user: CustomerUser) -> dict[str, Any]:
    return {"id": user.id, "customer_id": user.customer_id,
            "customer": {"id": user.customer.id, "name": user.customer.name},
            "name": user.name, "email": user.email, "phones": [p.e164 for p in user.phones],
            "location_id": user.location_id,
            "created_at": _iso(user.created_at), "updated_at": _iso(user.updated_at)}


def match_json(match: CustomerUserMatch) -> dict[str, Any]:
    return {"customer_user": {"id": match.user_id, "name": match.name, "email": match.email},
            "customer": {"id": match.customer_id, "name": match.customer_name},
            "phone": match.e164}


def _iso(when: datetime) -> str:
    # SQLite hands back naive datetimes; every stored time is UTC.
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return aware.isoformat().replace("+00:00", "Z")
