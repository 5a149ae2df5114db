"""The ticket sink ringback files through: the built-in store, forwarded to the
chosen helpdesk.

Every ticket and comment is kept in the built-in store (so ``get``, ``list``
and the console keep working, and idempotency keys stay exact); when the
console's settings chose Zendesk or Znuny, the same ticket or comment is
queued in the helpdesk outbox and delivered by a job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ringback.helpdesk.outbox import BUILTIN, HelpdeskOutbox
from ringback.store.tickets import TicketStatus
from ringback.tickets.builtin import BuiltinTicketSink
from ringback.tickets.sink import CommentRef, TicketRecord, TicketRef


class HelpdeskTicketSink:
    """A ``TicketSink``: the built-in store, and the chosen helpdesk through the outbox."""

    def __init__(self, builtin: BuiltinTicketSink, outbox: HelpdeskOutbox) -> None:
        self._builtin = builtin
        self._outbox = outbox

    def create_ticket(self, *, idempotency_key: str, subject: str, requester: str,
                      description: str, data: Mapping[str, Any] | None = None) -> TicketRef:
        ref = self._builtin.create_ticket(idempotency_key=idempotency_key, subject=subject,
                                          requester=requester, description=description,
                                          data=data)
        target = self._outbox.chosen()
        if target != BUILTIN:
            stored = self._builtin.get(ref.id)
            self._outbox.add(target, "ticket", f"{target}:ticket:{idempotency_key}", {
                "key": idempotency_key, "subject": stored.subject,
                "requester": stored.requester, "description": stored.description,
                "data": stored.data,
            }, local_ticket_id=int(ref.id))
        return ref

    def add_comment(self, ticket_id: str, *, body: str, internal: bool,
                    idempotency_key: str | None = None, author: str | None = None) -> CommentRef:
        ref = self._builtin.add_comment(ticket_id, body=body, internal=internal,
                                        idempotency_key=idempotency_key, author=author)
        # A comment follows its ticket: to the helpdesk that ticket was queued for,
        # whatever is chosen now (a ticket filed before a helpdesk was chosen has none).
        for target in self._outbox.ticket_targets(int(ref.ticket_id)):
            self._outbox.add(target, "comment", f"{target}:comment:{ref.id}", {
                "body": body.strip(), "internal": internal, "author": author,
            }, local_ticket_id=int(ref.ticket_id))
        return ref

    def update_data(self, ticket_id: str, data: Mapping[str, Any]) -> None:
        self._builtin.update_data(ticket_id, data)

    def get(self, ticket_id: str) -> TicketRecord:
        return self._builtin.get(ticket_id)

    def list(self, *, status: TicketStatus | None = None, subject: str | None = None,
             requester: str | None = None, limit: int = 50,
             offset: int = 0) -> Sequence[TicketRecord]:
        return self._builtin.list(status=status, subject=subject, requester=requester,
                                  limit=limit, offset=offset)
