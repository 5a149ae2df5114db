"""Rules for what agents send the helpdesk: a new ticket, a change, an article.

Each function returns the checked values or raises one ValidationError naming
every bad field; references to other rows (agents, customers) are checked by
``TicketDesk`` inside its unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ringback.errors import ValidationError
from ringback.parsing import MAX_ROW_ID, row_id
from ringback.store.tickets import (
    DEFAULT_PRIORITY,
    MAX_PRIORITY,
    MIN_PRIORITY,
    ArticleKind,
    TicketState,
)
from ringback.tickets.sla import check_queue_id
from ringback.tickets.validation import (
    MAX_SUBJECT,
    MAX_TEXT,
    REQUESTER_RULE,
    normalise_requester,
    text_field,
)

CHANGE_FIELDS = ("subject", "description", "state", "pending_until", "queue", "owner_agent_id",
                 "priority", "customer_id", "customer_user_id")
CREATE_FIELDS = (*CHANGE_FIELDS, "requester")
ARTICLE_FIELDS = ("kind", "body", "internal")
STATE_RULE = "must be one of " + ", ".join(s.value for s in TicketState)
KIND_RULE = "must be one of " + ", ".join(k.value for k in ArticleKind)
PRIORITY_RULE = f"must be a whole number from {MIN_PRIORITY} (very low) to {MAX_PRIORITY} " \
                "(very high)"
TIME_RULE = "must be a date and time with its offset, such as 2027-01-15T09:00:00Z"
ID_RULE = f"must be a whole number from 1 to {MAX_ROW_ID}, or null"


def change_fields(body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The fields given, checked; creating needs ``subject`` and fills defaults."""
    known = CREATE_FIELDS if creating else CHANGE_FIELDS
    errors = {name: "is not a known field" for name in body if name not in known}
    out: dict[str, Any] = {}
    if creating or "subject" in body:
        out["subject"] = text_field(errors, "subject", body.get("subject"),
                                    max_len=MAX_SUBJECT, required=True)
    if "description" in body or creating:
        out["description"] = text_field(errors, "description", body.get("description", ""),
                                        max_len=MAX_TEXT, required=False)
    if "requester" in body and body["requester"] is not None:
        found = normalise_requester(body["requester"])
        if found is None:
            errors["requester"] = REQUESTER_RULE
        out["requester"] = found
    if "state" in body:
        try:
            out["state"] = TicketState(body["state"])
        except ValueError:
            errors["state"] = STATE_RULE
    if "pending_until" in body:
        out["pending_until"] = _time(errors, "pending_until", body["pending_until"])
    if "queue" in body:
        if body["queue"] is None:
            out["queue"] = None
        else:
            try:
                out["queue"] = check_queue_id("queue", body["queue"])
            except ValidationError as invalid:
                errors.update(invalid.errors)
    if "priority" in body or creating:
        value = body.get("priority", DEFAULT_PRIORITY)
        if type(value) is not int or not MIN_PRIORITY <= value <= MAX_PRIORITY:
            errors["priority"] = PRIORITY_RULE
        out["priority"] = value
    for name in ("owner_agent_id", "customer_id", "customer_user_id"):
        if name in body:
            value = body[name]
            if value is not None and (type(value) is not int or row_id(value) is None):
                errors[name] = ID_RULE
            out[name] = value
    if errors:
        raise ValidationError(errors)
    return out


def article_fields(body: Mapping[str, Any]) -> tuple[ArticleKind, str, bool]:
    """(kind, body, internal); a note is internal unless said otherwise, a phone call
    or an e-mail is not."""
    errors = {name: "is not a known field" for name in body if name not in ARTICLE_FIELDS}
    kind = ArticleKind.NOTE
    try:
        kind = ArticleKind(body.get("kind", "note"))
    except ValueError:
        errors["kind"] = KIND_RULE
    text = text_field(errors, "body", body.get("body"), max_len=MAX_TEXT, required=True)
    internal = body.get("internal", kind == ArticleKind.NOTE)
    if not isinstance(internal, bool):
        errors["internal"] = "must be true or false"
    if errors:
        raise ValidationError(errors)
    return kind, text, internal


def _time(errors: dict[str, str], name: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors[name] = TIME_RULE
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        errors[name] = TIME_RULE
        return None
    if when.tzinfo is None:
        errors[name] = TIME_RULE
        return None
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        errors[name] = TIME_RULE
        return None
