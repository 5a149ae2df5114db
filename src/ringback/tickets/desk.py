"""The helpdesk: agents work tickets through ``TicketDesk``.

Create, change (state, pending time, queue, owner, priority, customer), lock
and unlock, add articles, read the history.  Every change writes one history
row per field.  A locked ticket is changed only by the agent holding the lock
or an admin (``Conflict`` otherwise, naming who holds it); ringback itself (a
callback's ticket) always may.  Pending states need a ``pending_until`` in the
future; leaving them clears it.  A ticket never returns to "new".  Escalation
times follow the queue's SLA (``escalation``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ringback.clock import Clock
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import row_id
from ringback.store.console import from_epoch
from ringback.store.customers import Customer, CustomerUser
from ringback.store.db import Database
from ringback.store.models import Agent
from ringback.store.tickets import (
    CLOSED_STATES,
    PENDING_STATES,
    STATUS_OF,
    ArticleKind,
    Ticket,
    TicketComment,
    TicketHistory,
    TicketState,
)
from ringback.tickets import escalation
from ringback.tickets.desk_input import article_fields, change_fields
from ringback.tickets.history import FieldChanges, HistoryRecord
from ringback.tickets.rows import comment_record, ticket_number, ticket_record, utc
from ringback.tickets.sink import CommentRecord, TicketRecord
from ringback.tickets.sla import QueueSla, QueueSlas

PENDING_RULE = "must be a time in the future for a pending state"


@dataclass(frozen=True)
class Actor:
    """Who changes a ticket: an agent (``admin`` for owner and admin roles), or
    ringback itself / the owner token (``agent_id`` None, ``admin`` True)."""

    agent_id: int | None
    admin: bool


SYSTEM = Actor(None, True)


class TicketDesk:
    """The built-in helpdesk over the ticket tables (the ``TicketSink`` shares them)."""

    def __init__(self, db: Database, clock: Clock, slas: QueueSlas) -> None:
        self._db = db
        self._clock = clock
        self._slas = slas

    # -- reading ---------------------------------------------------------------

    def get(self, ticket_id: int | str) -> TicketRecord:
        with self._db.session() as session:
            ticket = _ticket(session, ticket_id)
            articles = session.scalars(select(TicketComment)
                                       .where(TicketComment.ticket_id == ticket.id)
                                       .order_by(TicketComment.created_at, TicketComment.id))
            return ticket_record(ticket, tuple(comment_record(a) for a in articles))

    def history(self, ticket_id: int | str) -> list[HistoryRecord]:
        """Every change of the ticket, oldest first."""
        with self._db.session() as session:
            ticket = _ticket(session, ticket_id)
            rows = session.scalars(select(TicketHistory)
                                   .where(TicketHistory.ticket_id == ticket.id)
                                   .order_by(TicketHistory.id))
            return [HistoryRecord(r.id, r.field, r.old_value, r.new_value, r.agent_id,
                                  utc(r.created_at)) for r in rows]

    # -- writing ---------------------------------------------------------------

    def create(self, body: Mapping[str, Any], actor: Actor) -> TicketRecord:
        """A ticket an agent opens (a phone call taken, an e-mail); state "new" unless
        given.  ``requester`` may be left out when a customer user is named: their
        e-mail, else their first number."""
        fields = change_fields(body, creating=True)
        now = self._now()
        with self._db.session() as session:
            _check_refs(session, fields)
            user = _customer_user(session, fields.get("customer_user_id"))
            requester = fields.pop("requester", None) or _reach(user)
            if requester is None:
                raise ValidationError({"requester": "must be given (an E.164 number or an "
                                                    "e-mail address) unless customer_user_id "
                                                    "names someone with one"})
            state = fields.pop("state", TicketState.NEW)
            pending = fields.pop("pending_until", None)
            if state in CLOSED_STATES:
                raise ValidationError({"state": "a new ticket cannot start closed"})
            _check_pending(state, pending, now)
            if user is not None:
                fields.setdefault("customer_id", user.customer_id)
            ticket = Ticket(**fields, requester=requester, data={}, state=state.value,
                            status=STATUS_OF[state].value, pending_until=pending,
                            idempotency_key=f"desk:{uuid.uuid4()}",
                            created_at=now, updated_at=now)
            ticket_id = file_new(session, ticket, self._slas.get(ticket.queue), now,
                                 actor.agent_id)
        return self.get(ticket_id)

    def update(self, ticket_id: int | str, body: Mapping[str, Any], actor: Actor
               ) -> TicketRecord:
        fields = change_fields(body, creating=False)
        now = self._now()
        with self._db.session() as session:
            ticket = _locked_row(session, ticket_id)
            _may_change(session, ticket, actor)
            _check_refs(session, fields)
            self._apply(session, ticket, fields, actor, now)
        return self.get(ticket.id)

    def lock(self, ticket_id: int | str, agent_id: int, actor: Actor) -> TicketRecord:
        """``agent_id`` takes the lock (and becomes owner when there is none).  Held by
        someone else: Conflict, unless an admin takes it over."""
        now = self._now()
        with self._db.session() as session:
            ticket = _locked_row(session, ticket_id)
            if session.get(Agent, agent_id) is None:
                raise ValidationError({"agent_id": f"names no agent (there is no agent "
                                                   f"{agent_id})"})
            if TicketState(ticket.state) in CLOSED_STATES:
                raise Conflict(f"ticket {ticket.number} is closed; reopen it before locking it")
            if ticket.locked_by_agent_id not in (None, agent_id):
                _may_change(session, ticket, actor)
            history = FieldChanges(session, ticket, actor.agent_id, now)
            history.set("locked_by_agent_id", agent_id)
            if ticket.owner_agent_id is None:
                history.set("owner_agent_id", agent_id)
            history.touch()
        return self.get(ticket.id)

    def unlock(self, ticket_id: int | str, actor: Actor) -> TicketRecord:
        now = self._now()
        with self._db.session() as session:
            ticket = _locked_row(session, ticket_id)
            _may_change(session, ticket, actor)
            history = FieldChanges(session, ticket, actor.agent_id, now)
            history.set("locked_by_agent_id", None)
            history.touch()
        return self.get(ticket.id)

    def add_article(self, ticket_id: int | str, body: Mapping[str, Any], actor: Actor,
                    author: str | None = None) -> CommentRecord:
        """A phone call, e-mail or note; an agent's call or e-mail to the customer is a
        response (first response, update time) and opens a new ticket."""
        kind, text, internal = article_fields(body)
        now = self._now()
        with self._db.session() as session:
            ticket = _locked_row(session, ticket_id)
            _may_change(session, ticket, actor)
            article = TicketComment(ticket_id=ticket.id, body=text, internal=internal,
                                    author=author, author_agent_id=actor.agent_id, kind=kind.value,
                                    created_at=now)
            session.add(article)
            session.flush()
            history = FieldChanges(session, ticket, actor.agent_id, now)
            history.add("article", None, f"{article.id} ({kind.value})")
            if kind != ArticleKind.NOTE and not internal and actor.agent_id is not None:
                escalation.on_response(ticket, self._slas.get(ticket.queue), now)
                if ticket.state == TicketState.NEW.value:
                    history.set("state", TicketState.OPEN.value)
                    ticket.status = STATUS_OF[TicketState.OPEN].value
            history.touch()
            return comment_record(article)

    # -- time ------------------------------------------------------------------

    def due_reminders(self) -> list[TicketRecord]:
        """Tickets in "pending reminder" whose time has come, earliest first."""
        with self._db.session() as session:
            rows = session.scalars(
                select(Ticket).where(Ticket.state == TicketState.PENDING_REMINDER.value,
                                     Ticket.pending_until <= self._now())
                .order_by(Ticket.pending_until, Ticket.id))
            return [ticket_record(t, ()) for t in rows]

    def close_expired_pending(self) -> list[str]:
        """Close every "pending auto-close" ticket past its time (closed successful);
        the ids closed.  Safe to run from several schedulers: each row is locked."""
        now = self._now()
        closed: list[str] = []
        with self._db.session() as session:
            ids = session.scalars(
                select(Ticket.id).where(Ticket.state == TicketState.PENDING_AUTO_CLOSE.value,
                                        Ticket.pending_until <= now)).all()
        for pk in ids:
            with self._db.session() as session:
                ticket = _locked_row(session, pk)
                if ticket.state != TicketState.PENDING_AUTO_CLOSE.value:
                    continue
                self._apply(session, ticket, {"state": TicketState.CLOSED_SUCCESSFUL},
                            SYSTEM, now)
                closed.append(str(pk))
        return closed

    # -- inside ----------------------------------------------------------------

    def _apply(self, session: Session, ticket: Ticket, fields: dict[str, Any], actor: Actor,
               now: datetime) -> None:
        history = FieldChanges(session, ticket, actor.agent_id, now)
        before = TicketState(ticket.state)
        state = fields.get("state", before)
        pending = fields["pending_until"] if "pending_until" in fields else \
            (ticket.pending_until if state in PENDING_STATES else None)
        if "state" in fields and state == TicketState.NEW and before != TicketState.NEW:
            raise ValidationError({"state": "a ticket that was worked on cannot become new "
                                            "again; use open"})
        _check_pending(state, pending, now, given="pending_until" in fields)
        if "customer_user_id" in fields:
            user = _customer_user(session, fields["customer_user_id"])
            if user is not None:
                fields.setdefault("customer_id", user.customer_id)
        for name in ("subject", "description", "priority", "owner_agent_id", "customer_id",
                     "customer_user_id"):
            if name in fields:
                history.set(name, fields[name])
        history.set("state", state.value)
        ticket.status = STATUS_OF[state].value
        history.set("pending_until", pending)
        sla: QueueSla | None = None
        if "queue" in fields and fields["queue"] != ticket.queue:
            history.set("queue", fields["queue"])
            sla = self._slas.get(ticket.queue)
            escalation.on_queue(ticket, sla, now)
        if state != before:
            escalation.on_state(ticket, before, sla or self._slas.get(ticket.queue), now)
            if state in CLOSED_STATES:
                history.set("locked_by_agent_id", None)
        history.touch()

    def _now(self) -> datetime:
        return from_epoch(self._clock.now())


def file_new(session: Session, ticket: Ticket, sla: QueueSla, now: datetime,
             agent_id: int | None) -> int:
    """Store a new ticket: its number, escalation times and the "created" history row."""
    escalation.on_create(ticket, sla, now)
    session.add(ticket)
    session.flush()
    ticket.number = ticket_number(now, ticket.id)
    session.add(TicketHistory(ticket_id=ticket.id, field="created", old_value=None,
                              new_value=ticket.number, agent_id=agent_id, created_at=now))
    session.flush()
    return ticket.id


def _ticket(session: Session, ticket_id: int | str) -> Ticket:
    pk = row_id(ticket_id)
    ticket = session.get(Ticket, pk) if pk is not None else None
    if ticket is None:
        raise NotFound("ticket", ticket_id)
    return ticket


def _locked_row(session: Session, ticket_id: int | str) -> Ticket:
    """The ticket's row, locked for this unit of work.

    Writing first takes the row lock (SQLite: the database's write lock) before
    anything is read: SQLite reads outside a transaction until the first write,
    so two agents locking at once both saw the ticket free and both "won".
    """
    pk = row_id(ticket_id)
    if pk is not None:
        session.execute(update(Ticket).where(Ticket.id == pk).values(id=Ticket.id))
    ticket = session.scalar(select(Ticket).where(Ticket.id == pk).with_for_update()) \
        if pk is not None else None
    if ticket is None:
        raise NotFound("ticket", ticket_id)
    return ticket


def _may_change(session: Session, ticket: Ticket, actor: Actor) -> None:
    holder = ticket.locked_by_agent_id
    if holder is None or holder == actor.agent_id or actor.admin:
        return
    agent = session.get(Agent, holder)
    name = agent.name if agent is not None else f"agent {holder}"
    raise Conflict(f"ticket {ticket.number} is locked by {name}; only {name} or an admin "
                   "may change it until it is unlocked")


def _check_pending(state: TicketState, pending: datetime | None, now: datetime,
                   given: bool = True) -> None:
    if state in PENDING_STATES:
        if pending is None or (given and utc(pending) <= now):
            raise ValidationError({"pending_until": f"{PENDING_RULE} ({state.value})"})
    elif given and pending is not None:
        raise ValidationError({"pending_until": "is only set for the pending states (pending "
                                                "reminder, pending auto-close)"})


def _check_refs(session: Session, fields: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name, model, what in (("owner_agent_id", Agent, "agent"),
                              ("customer_id", Customer, "customer"),
                              ("customer_user_id", CustomerUser, "customer user")):
        value = fields.get(name)
        if value is not None and session.get(model, value) is None:
            errors[name] = f"names no {what} (there is no {what} {value})"
    user_id, customer_id = fields.get("customer_user_id"), fields.get("customer_id")
    if not errors and user_id is not None and customer_id is not None:
        user = session.get(CustomerUser, user_id)
        if user is not None and user.customer_id != customer_id:
            errors["customer_user_id"] = "must be a customer user of the customer given"
    if errors:
        raise ValidationError(errors)


def _customer_user(session: Session, user_id: int | None) -> CustomerUser | None:
    return None if user_id is None else session.get(CustomerUser, user_id)


def _reach(user: CustomerUser | None) -> str | None:
    if user is None:
        return None
    if user.email:
        return user.email.lower()
    return user.phones[0].e164 if user.phones else None
