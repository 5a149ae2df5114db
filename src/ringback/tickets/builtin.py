"""The built-in ticket store: tickets kept in ringback's own SQL database.

It is the default ``TicketSink``.  Idempotency rests on the unique constraint
on each idempotency key: the write goes ahead, and when the database refuses
a duplicate, the row another call committed first is read back.  That holds
across threads, processes and hosts, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError

from ringback.clock import Clock, SystemClock
from ringback.errors import NotFound, ValidationError
from ringback.ivr.config_rules import QUEUE_ID
from ringback.parsing import row_id, whole_number
from ringback.store.db import Database
from ringback.store.tickets import Ticket, TicketComment, TicketState, TicketStatus
from ringback.tickets.desk import file_new
from ringback.tickets.rows import comment_record, ticket_record
from ringback.tickets.sink import CommentRef, TicketRecord, TicketRef
from ringback.tickets.sla import QueueSlas
from ringback.tickets.validation import (
    MAX_AUTHOR,
    MAX_KEY,
    MAX_SUBJECT,
    MAX_TEXT,
    REQUESTER_RULE,
    json_object,
    normalise_requester,
    status_value,
    text_field,
)

if TYPE_CHECKING:
    # ringback.customers uses this package's input rules: imported when first needed.
    from ringback.customers import CustomerDirectory, CustomerUserMatch

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BuiltinTicketSink:
    """Tickets and comments in SQL; implements ``TicketSink``.

    A ticket filed here is a helpdesk ticket ("new"): its queue is the one named
    in ``data["queue"]`` (a callback's), with that queue's SLA, and its customer
    user is the one whose number is the requester's, when exactly one has it.
    Comments are note articles.
    """

    def __init__(self, db: Database, clock: Clock | None = None, *,
                 customers: CustomerDirectory | None = None,
                 slas: QueueSlas | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()
        if customers is None:
            from ringback.customers import CustomerDirectory

            customers = CustomerDirectory(db)
        self._customers = customers
        self._slas = slas or QueueSlas(db, self._clock)

    def create_ticket(
        self,
        *,
        idempotency_key: str,
        subject: str,
        requester: str,
        description: str,
        data: Mapping[str, Any] | None = None,
    ) -> TicketRef:
        errors: dict[str, str] = {}
        key = _key(errors, idempotency_key)
        fields = {
            "subject": text_field(errors, "subject", subject, max_len=MAX_SUBJECT, required=True),
            "requester": normalise_requester(requester),
            "description": text_field(
                errors, "description", description, max_len=MAX_TEXT, required=False
            ),
            "data": json_object(errors, "data", data),
        }
        if fields["requester"] is None:
            errors["requester"] = REQUESTER_RULE
        if errors:
            raise ValidationError(errors)
        now = self._now()
        queue = _queue_of(cast(dict[str, Any], fields["data"]))
        match = self._customer_of(str(fields["requester"]))
        try:
            with self._db.session() as session:
                ticket = Ticket(
                    **fields, status=TicketStatus.OPEN.value, state=TicketState.NEW.value,
                    idempotency_key=key, created_at=now, updated_at=now, queue=queue,
                    customer_id=match.customer_id if match else None,
                    customer_user_id=match.user_id if match else None,
                )
                ticket_id = file_new(session, ticket, self._slas.get(queue), now, None)
        except IntegrityError:
            with self._db.session() as session:
                found = session.scalar(select(Ticket.id).where(Ticket.idempotency_key == key))
            if found is None:
                raise
            return TicketRef(str(found), created=False)
        return TicketRef(str(ticket_id), created=True)

    def add_comment(
        self,
        ticket_id: str | int,
        *,
        body: str,
        internal: bool,
        idempotency_key: str | None = None,
        author: str | None = None,
    ) -> CommentRef:
        pk = _pk(ticket_id)
        errors: dict[str, str] = {}
        text = text_field(errors, "body", body, max_len=MAX_TEXT, required=True)
        if not isinstance(internal, bool):
            errors["internal"] = "must be true or false"
        key = None if idempotency_key is None else _key(errors, idempotency_key)
        if author is not None:
            author = text_field(errors, "author", author, max_len=MAX_AUTHOR, required=True)
        if errors:
            raise ValidationError(errors)
        now = self._now()
        try:
            with self._db.session() as session:
                # Writing first takes the ticket's row lock (and SQLite's write
                # lock) before anything is read: comments on one ticket queue up.
                touched = session.execute(
                    update(Ticket).where(Ticket.id == pk).values(updated_at=now)
                )
                if cast(CursorResult[Any], touched).rowcount == 0:
                    raise NotFound("ticket", ticket_id)
                comment = TicketComment(
                    ticket_id=pk, body=text, internal=internal, author=author,
                    idempotency_key=key, created_at=now,
                )
                session.add(comment)
                session.flush()
                comment_id = comment.id
        except IntegrityError:
            if key is None:
                raise
            with self._db.session() as session:
                row = session.execute(
                    select(TicketComment.id, TicketComment.ticket_id)
                    .where(TicketComment.idempotency_key == key)
                ).first()
            if row is None:
                raise
            return CommentRef(str(row.id), str(row.ticket_id), created=False)
        return CommentRef(str(comment_id), str(pk), created=True)

    def update_data(self, ticket_id: str | int, data: Mapping[str, Any]) -> None:
        pk = _pk(ticket_id)
        errors: dict[str, str] = {}
        fields = json_object(errors, "data", data)
        if errors:
            raise ValidationError(errors)
        with self._db.session() as session:
            # The row lock (SQLite: the write lock) keeps concurrent updates whole.
            ticket = session.scalar(select(Ticket).where(Ticket.id == pk).with_for_update())
            if ticket is None:
                raise NotFound("ticket", ticket_id)
            merged = {**(ticket.data or {}), **fields}
            if merged != ticket.data:
                ticket.data = merged
                ticket.updated_at = self._now()

    def get(self, ticket_id: str | int) -> TicketRecord:
        pk = _pk(ticket_id)
        with self._db.session() as session:
            ticket = session.get(Ticket, pk)
            if ticket is None:
                raise NotFound("ticket", ticket_id)
            comments = session.scalars(
                select(TicketComment)
                .where(TicketComment.ticket_id == pk)
                .order_by(TicketComment.created_at, TicketComment.id)
            )
            return ticket_record(ticket, tuple(comment_record(c) for c in comments))

    def count(
        self,
        *,
        status: TicketStatus | str | None = None,
        subject: str | None = None,
        requester: str | None = None,
    ) -> int:
        """How many tickets match; the total behind a page of ``list``."""
        where = _filters({}, status, subject, requester)
        with self._db.session() as session:
            return int(session.scalar(select(func.count(Ticket.id)).where(*where)) or 0)

    # Last, so that ``list`` does not shadow the builtin in the annotations above.
    def list(
        self,
        *,
        status: TicketStatus | str | None = None,
        subject: str | None = None,
        requester: str | None = None,
        limit: int | str | None = DEFAULT_LIMIT,
        offset: int | str | None = 0,
    ) -> builtins.list[TicketRecord]:
        """Matching tickets, newest first; ``limit`` at most MAX_LIMIT.

        ``subject`` matches the whole subject exactly (e.g. "Callback");
        ``requester`` is normalised like a stored one, so "+44 20 7183 8750"
        finds "+442071838750".
        """
        errors: dict[str, str] = {}
        where = _filters(errors, status, subject, requester, raise_now=False)
        size = whole_number(errors, "limit", limit, default=DEFAULT_LIMIT, minimum=1,
                            maximum=MAX_LIMIT)
        skip = whole_number(errors, "offset", offset, default=0, minimum=0, maximum=10**9)
        if errors:
            raise ValidationError(errors)
        with self._db.session() as session:
            rows = session.scalars(
                select(Ticket).where(*where)
                .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                .limit(size).offset(skip)
            )
            return [ticket_record(t, ()) for t in rows]

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)

    def _customer_of(self, requester: str) -> CustomerUserMatch | None:
        """The one customer user with the requester's number; None for none or several."""
        if not requester.startswith("+"):
            return None
        matches = self._customers.find_by_phone(requester)
        return matches[0] if len(matches) == 1 else None


def _queue_of(data: Mapping[str, Any]) -> str | None:
    queue = data.get("queue")
    return queue if isinstance(queue, str) and QUEUE_ID.fullmatch(queue) else None


def _filters(
    errors: dict[str, str],
    status: TicketStatus | str | None,
    subject: str | None,
    requester: str | None,
    *,
    raise_now: bool = True,
) -> builtins.list[ColumnElement[bool]]:
    where: builtins.list[ColumnElement[bool]] = []
    if status is not None:
        found = status_value(errors, "status", status)
        if found is not None:
            where.append(Ticket.status == found.value)
    if subject is not None:
        where.append(Ticket.subject == subject.strip())
    if requester is not None:
        who = normalise_requester(requester)
        if who is None:
            errors["requester"] = REQUESTER_RULE
        else:
            where.append(Ticket.requester == who)
    if errors and raise_now:
        raise ValidationError(errors)
    return where


def _key(errors: dict[str, str], value: object) -> str:
    """Idempotency keys are opaque: kept exactly as given, never trimmed."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY:
        errors["idempotency_key"] = f"must be a non-empty text of at most {MAX_KEY} characters"
        return ""
    return value


def _pk(ticket_id: str | int) -> int:
    found = row_id(ticket_id)
    if found is None:
        raise NotFound("ticket", ticket_id)
    return found
