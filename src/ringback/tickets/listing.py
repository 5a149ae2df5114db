"""Finding tickets: the filters, sort orders and paging of ticket views.

Filters (all optional, combined with AND): ``state`` and ``queue`` (repeated
or comma-separated: any of them), ``owner_agent_id``, ``locked_by_agent_id``,
``customer_id``, ``customer_user_id`` (a whole number, or "none" for tickets
without one), ``status``, ``subject`` (exact), ``search`` (part of the subject,
any case, or the whole number), ``requester``, ``escalated``
("true": some escalation time has passed), ``reminder_due`` ("true": pending
reminder whose time has come).  ``sort`` is one of SORTS, "-" for
descending; newest first by default.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from ringback.clock import Clock
from ringback.errors import ValidationError
from ringback.parsing import MAX_ROW_ID, row_id, whole_number
from ringback.store.console import from_epoch
from ringback.store.db import Database
from ringback.store.tickets import Ticket, TicketState
from ringback.tickets.desk_input import STATE_RULE
from ringback.tickets.rows import ticket_record
from ringback.tickets.sink import TicketRecord
from ringback.tickets.sla import check_queue_id
from ringback.tickets.validation import REQUESTER_RULE, normalise_requester, status_value

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SORTS = ("created_at", "updated_at", "priority", "number", "pending_until",
         "first_response_due", "update_due", "solution_due")
SORT_RULE = "must be one of " + ", ".join(SORTS) + " (prefix - for descending)"
ID_FILTERS = ("owner_agent_id", "locked_by_agent_id", "customer_id", "customer_user_id")
MAX_VALUES = 50


@dataclass(frozen=True)
class TicketPage:
    items: builtins.list[TicketRecord]
    total: int
    limit: int
    offset: int


class TicketListing:
    """Ticket views: a filtered, sorted page, and how many tickets are in each state."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def page(self, args: Mapping[str, Any], queues: builtins.list[str] | None = None
             ) -> TicketPage:
        """``queues``, when given, narrows to those queues (an agent's "my queues")."""
        errors: dict[str, str] = {}
        where = self._where(errors, args, queues)
        order = _order(errors, args.get("sort"))
        limit = whole_number(errors, "limit", args.get("limit"), default=DEFAULT_LIMIT,
                             minimum=1, maximum=MAX_LIMIT)
        offset = whole_number(errors, "offset", args.get("offset"), default=0, minimum=0,
                              maximum=MAX_ROW_ID)
        if errors:
            raise ValidationError(errors)
        with self._db.session() as session:
            total = session.scalar(select(func.count(Ticket.id)).where(*where)) or 0
            rows = session.scalars(select(Ticket).where(*where).order_by(*order)
                                   .limit(limit).offset(offset))
            return TicketPage([ticket_record(t, ()) for t in rows], total, limit, offset)

    def counts(self, args: Mapping[str, Any], queues: builtins.list[str] | None = None
               ) -> dict[str, int]:
        """Tickets per state (every state named, 0 when none) under the other filters."""
        errors: dict[str, str] = {}
        where = self._where(errors, args, queues, with_state=False)
        if errors:
            raise ValidationError(errors)
        counts = {s.value: 0 for s in TicketState}
        with self._db.session() as session:
            for state, n in session.execute(select(Ticket.state, func.count(Ticket.id))
                                            .where(*where).group_by(Ticket.state)):
                counts[state] = n
        return counts

    def _where(self, errors: dict[str, str], args: Mapping[str, Any],
               queues: builtins.list[str] | None, with_state: bool = True
               ) -> builtins.list[ColumnElement[bool]]:
        where: builtins.list[ColumnElement[bool]] = []
        states = _many(args, "state") if with_state else []
        if states:
            try:
                where.append(Ticket.state.in_([TicketState(s).value for s in states]))
            except ValueError:
                errors["state"] = STATE_RULE
        wanted = _many(args, "queue")
        if wanted:
            try:
                where.append(Ticket.queue.in_([check_queue_id("queue", q) for q in wanted]))
            except ValidationError as invalid:
                errors.update(invalid.errors)
        if queues is not None:
            where.append(Ticket.queue.in_(queues))
        for name in ID_FILTERS:
            raw = args.get(name)
            if raw in (None, ""):
                continue
            column = getattr(Ticket, name)
            if raw == "none":
                where.append(column.is_(None))
            elif (pk := row_id(raw)) is None:
                errors[name] = f"must be a whole number from 1 to {MAX_ROW_ID}, or none"
            else:
                where.append(column == pk)
        if args.get("status") not in (None, ""):
            found = status_value(errors, "status", args.get("status"))
            if found is not None:
                where.append(Ticket.status == found.value)
        if args.get("subject") not in (None, ""):
            where.append(Ticket.subject == str(args.get("subject")).strip())
        search = str(args.get("search") or "").strip()
        if search:
            where.append(or_(func.lower(Ticket.subject).contains(search.lower(), autoescape=True),
                             Ticket.number == search))
        if args.get("requester") not in (None, ""):
            who = normalise_requester(args.get("requester"))
            if who is None:
                errors["requester"] = REQUESTER_RULE
            else:
                where.append(Ticket.requester == who)
        escalated = args.get("escalated")
        if escalated not in (None, ""):
            if escalated not in ("true", "false"):
                errors["escalated"] = "must be true or false"
            else:
                late = escalated_at(from_epoch(self._clock.now()))
                where.append(late if escalated == "true" else ~late)
        reminder = args.get("reminder_due")
        if reminder not in (None, ""):
            if reminder not in ("true", "false"):
                errors["reminder_due"] = "must be true or false"
            else:
                due = reminder_due_at(from_epoch(self._clock.now()))
                where.append(due if reminder == "true" else ~due)
        return where


def escalated_at(now: datetime) -> ColumnElement[bool]:
    """Some escalation time has passed (closed tickets have none)."""
    return or_(Ticket.first_response_due <= now, Ticket.update_due <= now,
               Ticket.solution_due <= now)


def reminder_due_at(now: datetime) -> ColumnElement[bool]:
    """A pending reminder whose time has come."""
    return (Ticket.state == TicketState.PENDING_REMINDER.value) & (Ticket.pending_until <= now)


def _order(errors: dict[str, str], raw: object) -> builtins.list[Any]:
    if raw in (None, ""):
        return [Ticket.created_at.desc(), Ticket.id.desc()]
    text = str(raw)
    name = text.removeprefix("-")
    if name not in SORTS:
        errors["sort"] = SORT_RULE
        return []
    column = getattr(Ticket, name)
    if text.startswith("-"):
        return [column.desc().nulls_last(), Ticket.id.desc()]
    return [column.asc().nulls_last(), Ticket.id.asc()]


def _many(args: Mapping[str, Any], name: str) -> builtins.list[str]:
    """Every value of a repeated or comma-separated parameter."""
    raw: builtins.list[Any]
    if hasattr(args, "getlist"):
        raw = args.getlist(name)
    else:
        value = args.get(name)
        raw = list(value) if isinstance(value, list | tuple) else [] if value is None else [value]
    values = [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
    return values[:MAX_VALUES]
