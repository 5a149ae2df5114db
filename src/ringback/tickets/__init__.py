"""Tickets: the adapter interface ringback files tickets through, and the
built-in SQL store that implements it."""

from ringback.store.tickets import TicketStatus
from ringback.tickets.builtin import MAX_LIMIT, BuiltinTicketSink
from ringback.tickets.sink import (
    CommentRecord,
    CommentRef,
    TicketRecord,
    TicketRef,
    TicketSink,
)

__all__ = [
    "MAX_LIMIT",
    "BuiltinTicketSink",
    "CommentRecord",
    "CommentRef",
    "TicketRecord",
    "TicketRef",
    "TicketSink",
    "TicketStatus",
]
