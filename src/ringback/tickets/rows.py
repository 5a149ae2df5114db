"""Stored ticket rows as the frozen records every reader gets (``TicketRecord``)."""

from __future__ import annotations

from datetime import UTC, datetime

from ringback.store.tickets import Ticket, TicketComment, TicketStatus
from ringback.tickets.sink import CommentRecord, TicketRecord


def utc(when: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def maybe_utc(when: datetime | None) -> datetime | None:
    return None if when is None else utc(when)


def comment_record(c: TicketComment) -> CommentRecord:
    return CommentRecord(
        id=str(c.id), ticket_id=str(c.ticket_id), body=c.body, internal=c.internal,
        author=c.author, created_at=utc(c.created_at), kind=c.kind,
        author_agent_id=c.author_agent_id,
    )


def ticket_record(t: Ticket, comments: tuple[CommentRecord, ...]) -> TicketRecord:
    return TicketRecord(
        id=str(t.id), subject=t.subject, requester=t.requester, description=t.description,
        status=TicketStatus(t.status), data=dict(t.data or {}), created_at=utc(t.created_at),
        updated_at=utc(t.updated_at), comments=comments, number=t.number, state=t.state,
        queue=t.queue, priority=t.priority, owner_agent_id=t.owner_agent_id,
        locked_by_agent_id=t.locked_by_agent_id, customer_id=t.customer_id,
        customer_user_id=t.customer_user_id, pending_until=maybe_utc(t.pending_until),
        first_response_at=maybe_utc(t.first_response_at),
        first_response_due=maybe_utc(t.first_response_due),
        update_due=maybe_utc(t.update_due), solution_due=maybe_utc(t.solution_due),
    )


def ticket_number(created: datetime, ticket_id: int) -> str:
    """Human-readable and unique: the creation day (UTC) and the id, e.g. 2026120500042."""
    return f"{utc(created):%Y%m%d}{ticket_id:05d}"
