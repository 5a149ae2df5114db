"""When a ticket escalates: the due times its queue's SLA sets, and what moves them.

- Created: first response, update and solution fall due from the creation.
- An agent's phone call or e-mail to the customer (not an internal note) is a
  response: the first one clears the first-response time; each starts the
  update time again.
- Closed: nothing is due.  Reopened: update and solution run again from then.
- Moved to another queue: its SLA counts from the creation (first response,
  solution) and from now (update).
Pending states keep their due times: the reminder is the agent's own.
"""

from __future__ import annotations

from datetime import datetime

from ringback.store.tickets import CLOSED_STATES, Ticket, TicketState
from ringback.tickets.rows import utc
from ringback.tickets.sla import QueueSla


def on_create(ticket: Ticket, sla: QueueSla, now: datetime) -> None:
    ticket.first_response_due = sla.due(sla.first_response_minutes, now)
    ticket.update_due = sla.due(sla.update_minutes, now)
    ticket.solution_due = sla.due(sla.solution_minutes, now)


def on_response(ticket: Ticket, sla: QueueSla, now: datetime) -> None:
    if _closed(ticket):
        return
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.first_response_due = None
    ticket.update_due = sla.due(sla.update_minutes, now)


def on_state(ticket: Ticket, before: TicketState, sla: QueueSla, now: datetime) -> None:
    if _closed(ticket):
        ticket.first_response_due = ticket.update_due = ticket.solution_due = None
    elif before in CLOSED_STATES:
        ticket.update_due = sla.due(sla.update_minutes, now)
        ticket.solution_due = sla.due(sla.solution_minutes, now)


def on_queue(ticket: Ticket, sla: QueueSla, now: datetime) -> None:
    if _closed(ticket):
        return
    created = utc(ticket.created_at)
    if ticket.first_response_at is None:
        ticket.first_response_due = sla.due(sla.first_response_minutes, created)
    ticket.update_due = sla.due(sla.update_minutes, now)
    ticket.solution_due = sla.due(sla.solution_minutes, created)


def _closed(ticket: Ticket) -> bool:
    return TicketState(ticket.state) in CLOSED_STATES
