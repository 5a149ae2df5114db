"""Rules for ticket input, shared by the built-in store and the API's filters.

Each check returns the normalised value or records a message under the field's
name, so one ValidationError can name every bad field at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import phonenumbers

from ringback.store.tickets import TicketStatus

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUESTER_RULE = "must be an E.164 phone number such as +442071838750 or an e-mail address"
MAX_SUBJECT = 200
MAX_KEY = 200
MAX_TEXT = 20_000
MAX_AUTHOR = 254
STATUS_RULE = "must be one of " + ", ".join(s.value for s in TicketStatus)


def normalise_requester(value: object) -> str | None:
    """The requester as stored: E.164 for a phone number, lower case for an e-mail."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(text) <= 254 and EMAIL.match(text):
        return text.lower()
    return None


def text_field(
    errors: dict[str, str], name: str, value: object, *, max_len: int, required: bool
) -> str:
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_len:
        need = "a non-empty text" if required else "a text"
        errors[name] = f"must be {need} of at most {max_len} characters"
        return ""
    return value.strip()


def json_object(errors: dict[str, str], name: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors[name] = "must be a JSON object"
        return {}
    try:
        return dict(json.loads(json.dumps(dict(value), allow_nan=False)))
    except (TypeError, ValueError):
        errors[name] = "must hold only JSON values (text, numbers, booleans, null, lists, objects)"
        return {}


def status_value(errors: dict[str, str], name: str, value: object) -> TicketStatus | None:
    try:
        return TicketStatus(value)
    except ValueError:
        errors[name] = STATUS_RULE
        return None
