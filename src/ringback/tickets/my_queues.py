"""An agent's "my queues": the queues whose tickets their ticket views show.

A personal setting, kept per agent in SQL (``agent_ticket_queues``); removing
the agent removes it.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ringback.errors import NotFound, ValidationError
from ringback.parsing import row_id
from ringback.store.db import Database
from ringback.store.models import Agent
from ringback.store.tickets import AgentTicketQueue
from ringback.tickets.sla import check_queue_id

MAX_QUEUES = 100
RULE = f"must be a list of at most {MAX_QUEUES} queue ids (1 to 64 letters, digits, '-' or '_')"


class MyQueues:
    """Read and replace each agent's chosen ticket queues."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def of(self, agent_id: int) -> list[str]:
        """The agent's queues, sorted; [] when they chose none."""
        with self._db.session() as session:
            _agent(session, agent_id)
            return list(session.scalars(select(AgentTicketQueue.queue_id)
                                        .where(AgentTicketQueue.agent_id == agent_id)
                                        .order_by(AgentTicketQueue.queue_id)))

    def choose(self, agent_id: int, queues: object) -> list[str]:
        """Replace the agent's queues with ``queues`` (duplicates are kept once)."""
        chosen = check_queues(queues)
        with self._db.session() as session:
            _agent(session, agent_id, lock=True)
            session.execute(delete(AgentTicketQueue)
                            .where(AgentTicketQueue.agent_id == agent_id))
            session.add_all(AgentTicketQueue(agent_id=agent_id, queue_id=q) for q in chosen)
        return chosen


def _agent(session: Session, agent_id: int, *, lock: bool = False) -> None:
    """NotFound for an unknown agent, also for an id no row can have (2**31)."""
    pk = row_id(agent_id)
    query = select(Agent.id).where(Agent.id == pk)
    if pk is None or session.scalar(query.with_for_update() if lock else query) is None:
        raise NotFound("agent", agent_id)


def check_queues(value: object) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_QUEUES:
        raise ValidationError({"queues": RULE})
    errors: dict[str, str] = {}
    for index, queue in enumerate(value):
        try:
            check_queue_id(f"queues.{index}", queue)
        except ValidationError as invalid:
            errors.update(invalid.errors)
    if errors:
        raise ValidationError(errors)
    return sorted(set(value))
