from __future__ import annotations

import pytest

from ringback.knowledge import KnowledgeBase
from ringback.store.models import Agent


@pytest.fixture
def kb(db, clock) -> KnowledgeBase:
    return KnowledgeBase(db, clock)


@pytest.fixture
def editor_id(db) -> int:
    """An agent who writes articles (their name shows in the versions)."""
    with db.session() as session:
        agent = Agent(email="editor@example.com", name="Eda Editor", role="custom",
                      permissions=["requests", "knowledge_base"])
        session.add(agent)
        session.flush()
        return agent.id


SCRIPT = {"kind": "script", "title": "Appliance pickup",
          "body": "Bulky appliances are collected on request within ten working days.",
          "keywords": "fridge washer"}
