"""Rules for request input: the fields of a new request, its details, and what each type needs.

Saving a request needs only its type and channel, so the contact is logged
at once. Completing it needs the sections its type requires:

==============  ==========================================================
information     ``article_ids``: the knowledge-base article(s) used
action          ``problem_code_id`` and ``address`` (the place of the problem)
remark          ``description``: the praise, complaint or comment
==============  ==========================================================

Each check records its message under the field's name, so one
ValidationError names every missing or bad field at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ringback.customers.phones import PhoneNumberRefused, to_e164
from ringback.customers.validation import unknown_fields
from ringback.errors import ValidationError
from ringback.parsing import MAX_ROW_ID
from ringback.store.service_requests import MAX_ADDRESS, MAX_DESCRIPTION, Channel, RequestType
from ringback.tickets.validation import text_field

NEW_FIELDS = ("type", "channel", "customer_user_id", "caller_number", "description",
              "call_ref", "queue_id")
DETAIL_FIELDS = ("description", "customer_user_id", "channel", "article_ids",
                 "problem_code_id", "address", "latitude", "longitude")
COMPLETE_FIELDS = (*DETAIL_FIELDS, "work_order_id", "new_work_order")
TYPE_RULE = "must be one of information, action, remark"
CHANNEL_RULE = "must be one of phone, email, fax, walk_in"
ID_RULE = f"must be a whole number from 1 to {MAX_ROW_ID}"
MAX_ARTICLES = 20

# What completing each type needs, and the words of the rule.
REQUIRED = {
    RequestType.INFORMATION: {"article_ids": "an information request needs the "
                                             "knowledge-base article(s) used"},
    RequestType.ACTION: {"problem_code_id": "an action request needs a problem code",
                         "address": "an action request needs the location or address "
                                    "of the problem"},
    RequestType.REMARK: {"description": "a remark needs its text"},
}


def new_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The checked fields of a request being saved for the first time."""
    errors = unknown_fields(payload, NEW_FIELDS, "request")
    fields: dict[str, Any] = {}
    fields["type"] = _choice(errors, "type", payload.get("type"), RequestType, TYPE_RULE)
    fields["channel"] = _choice(errors, "channel", payload.get("channel", Channel.PHONE.value),
                                Channel, CHANNEL_RULE)
    if payload.get("customer_user_id") is not None:
        fields["customer_user_id"] = _row_id(errors, "customer_user_id",
                                             payload["customer_user_id"])
    if payload.get("caller_number") not in (None, ""):
        fields["caller_number"] = _phone(errors, "caller_number", payload["caller_number"])
    fields["description"] = text_field(errors, "description", payload.get("description", ""),
                                       max_len=MAX_DESCRIPTION, required=False)
    for name in ("call_ref", "queue_id"):
        if payload.get(name) not in (None, ""):
            fields[name] = text_field(errors, name, payload[name],
                                      max_len=200 if name == "call_ref" else 64, required=False)
    _raise(errors)
    return fields


def detail_fields(payload: Mapping[str, Any], *, completing: bool = False) -> dict[str, Any]:
    """The checked details given (an update changes only those)."""
    errors = unknown_fields(payload, COMPLETE_FIELDS if completing else DETAIL_FIELDS, "request")
    fields: dict[str, Any] = {}
    if "description" in payload:
        fields["description"] = text_field(errors, "description", payload["description"],
                                           max_len=MAX_DESCRIPTION, required=False)
    if "channel" in payload:
        fields["channel"] = _choice(errors, "channel", payload["channel"], Channel, CHANNEL_RULE)
    if "customer_user_id" in payload:
        raw = payload["customer_user_id"]
        fields["customer_user_id"] = None if raw is None else _row_id(errors,
                                                                      "customer_user_id", raw)
    if "article_ids" in payload:
        fields["article_ids"] = _id_list(errors, "article_ids", payload["article_ids"])
    if "problem_code_id" in payload:
        raw = payload["problem_code_id"]
        fields["problem_code_id"] = None if raw is None else _row_id(errors,
                                                                     "problem_code_id", raw)
    if "address" in payload:
        fields["address"] = text_field(errors, "address", payload["address"] or "",
                                       max_len=MAX_ADDRESS, required=False)
    for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
        if name in payload:
            fields[name] = _coordinate(errors, name, payload[name], limit)
    if ("latitude" in fields) != ("longitude" in fields) or (
            (fields.get("latitude") is None) != (fields.get("longitude") is None)):
        errors.setdefault("latitude", "latitude and longitude are given together or not at all")
    if completing:
        if payload.get("work_order_id") is not None:
            fields["work_order_id"] = _row_id(errors, "work_order_id", payload["work_order_id"])
        new = payload.get("new_work_order", False)
        if not isinstance(new, bool):
            errors["new_work_order"] = "must be true or false"
        fields["new_work_order"] = new is True
        if fields.get("work_order_id") and fields["new_work_order"]:
            errors["new_work_order"] = "must be false when work_order_id names a work order " \
                                       "to link to"
    _raise(errors)
    return fields


def missing_sections(kind: RequestType, values: Mapping[str, Any]) -> dict[str, str]:
    """The fields completing a request of this type still needs, with the rule's words."""
    missing = {}
    for name, rule in REQUIRED[kind].items():
        value = values.get(name)
        if value is None or value == "" or value == [] or (isinstance(value, str)
                                                           and not value.strip()):
            missing[name] = rule
    return missing


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _choice(errors: dict[str, str], name: str, value: object, enum: Any, rule: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        errors[name] = rule
        return None


def _row_id(errors: dict[str, str], name: str, value: object) -> int | None:
    if type(value) is int and 1 <= value <= MAX_ROW_ID:
        return value
    errors[name] = ID_RULE
    return None


def _id_list(errors: dict[str, str], name: str, value: object) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_ARTICLES or any(
            type(v) is not int or not 1 <= v <= MAX_ROW_ID for v in value):
        errors[name] = f"must be a list of at most {MAX_ARTICLES} article ids"
        return []
    return list(dict.fromkeys(value))


def _coordinate(errors: dict[str, str], name: str, value: object, limit: float) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        errors[name] = f"must be a number from -{limit:g} to {limit:g}, or empty"
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        errors[name] = f"must be a number from -{limit:g} to {limit:g}, or empty"
        return None
    return number


def _phone(errors: dict[str, str], name: str, value: object) -> str | None:
    if not isinstance(value, str):
        errors[name] = "must be a phone number with its country code, such as +4930123456"
        return None
    try:
        return to_e164(value, None)
    except PhoneNumberRefused as refused:
        errors[name] = str(refused)
        return None
