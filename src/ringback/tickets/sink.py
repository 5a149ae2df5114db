"""The ticket adapter interface: what ringback needs from a helpdesk.

ringback creates tickets (an expired callback, a caller's request) and adds
comments (a missed callback attempt) through a ``TicketSink``.  The built-in
SQL store implements it; a helpdesk integration implements the same five
methods (``data`` maps to the helpdesk's custom fields).  Ids cross the
interface as strings, since helpdesks differ.

Every write carries an idempotency key: callers run inside rq jobs that may be
retried, so the same key must always come back to the same ticket or comment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from ringback.store.tickets import TicketStatus


@dataclass(frozen=True)
class TicketRef:
    """A ticket created (``created``) or found again by its idempotency key."""

    id: str
    created: bool


@dataclass(frozen=True)
class CommentRef:
    """A comment created (``created``) or found again by its idempotency key."""

    id: str
    ticket_id: str
    created: bool


@dataclass(frozen=True)
class CommentRecord:
    id: str
    ticket_id: str
    body: str
    internal: bool
    author: str | None
    created_at: datetime
    kind: str = "note"  # an article's kind: phone, email or note
    author_agent_id: int | None = None


@dataclass(frozen=True)
class TicketRecord:
    """A ticket as read back; ``comments`` is filled by ``get`` only, oldest first.

    The fields after ``comments`` are the built-in helpdesk's (``TicketDesk``); a
    helpdesk adapter may leave them at their defaults.
    """

    id: str
    subject: str
    requester: str
    description: str
    status: TicketStatus
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    comments: tuple[CommentRecord, ...] = field(default=())
    number: str | None = None
    state: str = "new"
    queue: str | None = None
    priority: int = 3
    owner_agent_id: int | None = None
    locked_by_agent_id: int | None = None
    customer_id: int | None = None
    customer_user_id: int | None = None
    pending_until: datetime | None = None
    first_response_at: datetime | None = None
    first_response_due: datetime | None = None
    update_due: datetime | None = None
    solution_due: datetime | None = None


@runtime_checkable
class TicketSink(Protocol):
    """Where ringback files tickets: the built-in store or a helpdesk."""

    def create_ticket(
        self,
        *,
        idempotency_key: str,
        subject: str,
        requester: str,
        description: str,
        data: Mapping[str, Any] | None = None,
    ) -> TicketRef:
        """Create a ticket, or return the one created before with this key.

        Exactly one ticket per key, also when several processes call at once.
        Raises ValidationError naming each bad field.
        """
        ...

    def add_comment(
        self,
        ticket_id: str,
        *,
        body: str,
        internal: bool,
        idempotency_key: str | None = None,
        author: str | None = None,
    ) -> CommentRef:
        """Add a comment; with a key, at most one comment per key.

        Raises NotFound for an unknown ticket, ValidationError for bad input.
        """
        ...

    def update_data(self, ticket_id: str, data: Mapping[str, Any]) -> None:
        """Set the named fields of the ticket's ``data`` (others are kept), e.g. a
        callback's attempts once their outcome is known.  Writing the same values
        again changes nothing.  NotFound for an unknown ticket, ValidationError
        for a value that is not JSON.
        """
        ...

    def get(self, ticket_id: str) -> TicketRecord:
        """The ticket with its comments; NotFound when there is none."""
        ...

    def list(
        self,
        *,
        status: TicketStatus | None = None,
        subject: str | None = None,
        requester: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Sequence[TicketRecord]:
        """Tickets matching every filter given, newest first, without comments."""
        ...
