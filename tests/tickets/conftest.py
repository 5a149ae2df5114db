from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ringback.agents import AgentDirectory
from ringback.tickets.desk import Actor, TicketDesk


def at(text: str) -> float:
    """A clock reading for an ISO time with offset."""
    return datetime.fromisoformat(text).timestamp()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def desk(services) -> TicketDesk:
    return services.ticket_desk


@pytest.fixture
def agents(db):
    """Actors of three agents: ana and ben (custom, tickets), and the admin ada."""
    directory = AgentDirectory(db)
    made = {}
    for name, role in (("ana", "custom"), ("ben", "custom"), ("ada", "admin")):
        agent = directory.create({"email": f"{name}@example.com", "name": name.title(),
                                  "role": role,
                                  "permissions": ["tickets"] if role == "custom" else []})
        made[name] = Actor(agent.id, role == "admin")
    return made
