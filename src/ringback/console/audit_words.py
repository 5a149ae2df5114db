"""The audit log in the console's words: what happened and each detail, by the labels
the pages show, never the stored keys (``max_wait_seconds``) or ``None``.

Pure functions of a stored entry; the audit page renders what they return.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ringback.console.number_form import field_label
from ringback.console.web import area_names, role_label

ACTIONS = {
    "owner.created": "Owner created",
    "agent.invited": "Agent invited",
    "agent.invitation_resent": "Invitation sent again",
    "agent.changed": "Agent changed",
    "agent.removed": "Agent removed",
    "account.password_set": "Password set",
    "account.password_changed": "Password changed",
    "settings.changed": "Settings changed",
    "queue.added": "Queue added",
    "queue.changed": "Queue changed",
    "number.created": "Number added",
    "number.changed": "Number changed",
    "number.removed": "Number removed",
    "booking_setup.location_added": "Booking location added",
    "booking_setup.location_changed": "Booking location changed",
    "booking_setup.location_removed": "Booking location deleted",
    "booking_setup.service_added": "Booking service added",
    "booking_setup.service_changed": "Booking service changed",
    "booking_setup.service_removed": "Booking service deleted",
    "booking_setup.resource_added": "Staff or room added",
    "booking_setup.resource_changed": "Staff or room changed",
    "booking_setup.resource_removed": "Staff or room deleted",
    "booking_setup.feed_renewed": "Calendar link renewed",
    "booking_setup.hours_changed": "Hours changed",
    "booking_setup.exception_added": "Closed day or extra hours added",
    "booking_setup.exception_removed": "Closed day or extra hours removed",
}

DETAILS = {
    "via": "How",
    "other_sessions_ended": "Other sessions ended",
    "role": "Role",
    "permissions": "Areas",
    "name": "Name",
    "email": "E-mail",
    "endpoint": "Phone",
    "default_language": "Default language",
    "max_size": "Maximum callers waiting",
    "max_wait_seconds": "Maximum wait (seconds)",
    "offer_timeout_seconds": "Offer timeout (seconds)",
    "wrap_up_seconds": "Wrap-up (seconds)",
}


def action_words(action: str) -> str:
    """``queue.changed`` -> "Queue changed"."""
    return ACTIONS.get(action) or action.replace(".", " ").replace("_", " ").capitalize()


def detail_lines(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each detail as (label, value) in words; nested settings by their field's label."""
    return [(_label(key), _value(key, value)) for key, value in _flat(details)]


def _flat(details: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in details.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _flat(value, f"{path}.")
        else:
            yield path, value


def _label(key: str) -> str:
    if key in DETAILS:
        return DETAILS[key]
    head, _, rest = key.partition(".")
    if head == "priorities" and rest:
        return f"{rest.capitalize()} priority"
    label = field_label(key)
    return label if label != "This form" else key.replace("_", " ").replace(".", ": ").capitalize()


def _value(key: str, value: Any) -> str:
    if value is None:
        return "not set (the default)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "role" and isinstance(value, str):
        return role_label(value)
    if key == "permissions" and isinstance(value, list):
        return area_names(value) or "none"
    if isinstance(value, Mapping):
        return "none"
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) for v in value):
            return f"{len(value)} option{'s' if len(value) != 1 else ''}"
        return ", ".join(str(v) for v in value) or "none"
    return str(value)
