"""Rules for customer and customer-user input, shared by the API and the CSV import.

Every check records its message under the field's name, so one
ValidationError names every bad field at once; unknown fields are refused
rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ringback.customers.phones import PhoneNumberRefused, check_region, to_e164
from ringback.errors import ValidationError
from ringback.parsing import MAX_ROW_ID
from ringback.store.customers import MAX_EMAIL, MAX_NAME
from ringback.tickets.validation import EMAIL, text_field

CUSTOMER_FIELDS = ("name", "email")
USER_FIELDS = ("customer_id", "name", "email", "phones", "region", "location_id")
MAX_PHONES = 20
EMAIL_RULE = "must be an e-mail address such as ana@example.com, or empty"


def customer_fields(payload: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """A customer's checked fields; ``partial`` (an update) needs only those given."""
    errors = unknown_fields(payload, CUSTOMER_FIELDS, "customer")
    fields: dict[str, Any] = {}
    if not partial or "name" in payload:
        fields["name"] = text_field(errors, "name", payload.get("name"), max_len=MAX_NAME,
                                    required=True)
    if "email" in payload:
        fields["email"] = email_value(errors, "email", payload["email"])
    if errors:
        raise ValidationError(errors)
    return fields


def user_fields(payload: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """A customer user's checked fields; phones come back in E.164, without repeats."""
    errors = unknown_fields(payload, USER_FIELDS, "customer user")
    fields: dict[str, Any] = {}
    if not partial or "customer_id" in payload:
        raw = payload.get("customer_id")
        if type(raw) is not int or not 1 <= raw <= MAX_ROW_ID:
            errors["customer_id"] = (f"must name the customer (a whole number from 1 to "
                                     f"{MAX_ROW_ID})")
        fields["customer_id"] = raw
    if not partial or "name" in payload:
        fields["name"] = text_field(errors, "name", payload.get("name"), max_len=MAX_NAME,
                                    required=True)
    if "email" in payload:
        fields["email"] = email_value(errors, "email", payload["email"])
    region = None
    try:
        region = check_region(payload.get("region"))
    except PhoneNumberRefused as refused:
        errors["region"] = str(refused)
    if "region" in payload and "phones" not in payload and "region" not in errors:
        errors["region"] = "applies to the phones given with it; send phones too"
    if not partial or "phones" in payload:
        fields["phones"] = phone_list(errors, payload.get("phones", []), region,
                                      skip="region" in errors)
    if "location_id" in payload:
        raw = payload["location_id"]
        if raw is not None and (type(raw) is not int or not 1 <= raw <= MAX_ROW_ID):
            errors["location_id"] = (f"must name the location of a location-only customer (a "
                                     f"whole number from 1 to {MAX_ROW_ID}), or be null for "
                                     "a customer every location shares")
        fields["location_id"] = raw
    if errors:
        raise ValidationError(errors)
    return fields


def unknown_fields(payload: Mapping[str, Any], known: Iterable[str], what: str) -> dict[str, str]:
    known = tuple(known)
    return {str(name): f"is not a field of a {what}; the fields are {', '.join(known)}"
            for name in payload if name not in known}


def email_value(errors: dict[str, str], name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value.strip()) <= MAX_EMAIL and EMAIL.match(value.strip()):
        return value.strip().lower()
    errors[name] = EMAIL_RULE
    return None


def phone_list(errors: dict[str, str], value: object, region: str | None, *,
               skip: bool = False) -> list[str]:
    """Each number in E.164, in the order given; errors under ``phones[i]``."""
    if not isinstance(value, list) or len(value) > MAX_PHONES:
        errors["phones"] = f"must be a list of at most {MAX_PHONES} phone numbers"
        return []
    numbers: list[str] = []
    for index, raw in enumerate(value):
        if skip:
            break
        try:
            e164 = to_e164(raw, region)
        except PhoneNumberRefused as refused:
            errors[f"phones[{index}]"] = str(refused)
            continue
        if e164 not in numbers:
            numbers.append(e164)
    return numbers
