"""People of every role, each with an API token, for the JSON API's tests.

``team`` holds the owner, two admins, a custom agent with the agents area
(``manager``), and two custom agents without any area (``plain`` and
``other``); each is available in the support queue with a phone endpoint,
switched on through the API with their own token.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ringback.agents import AgentDirectory
from tests.conftest import OWNER_TOKEN

QUEUE = "support"
PHONE = "+493012345678"


@dataclass(frozen=True)
class Person:
    name: str
    id: int | None  # None for the owner token, which is nobody's
    headers: dict[str, str]


@pytest.fixture
def team(client, services) -> dict[str, Person]:
    agents = AgentDirectory(services.db)
    owner = agents.create_owner("olga@example.com", "Olga", "correct horse battery")
    made = {"owner": owner.id}
    for name, role, permissions in [("admin", "admin", []), ("admin2", "admin", []),
                                    ("manager", "custom", ["agents"]),
                                    ("plain", "custom", []), ("other", "custom", [])]:
        made[name] = agents.create({"email": f"{name}@example.com", "name": name.title(),
                                    "role": role, "permissions": permissions}).id
    people = {"owner_token": Person("owner_token", None,
                                    {"Authorization": f"Bearer {OWNER_TOKEN}"})}
    for name, agent_id in made.items():
        headers = {"Authorization": f"Bearer {agents.issue_token(agent_id)}"}
        people[name] = Person(name, agent_id, headers)
        for path, body in [(f"/api/v1/agents/{agent_id}/endpoint", {"endpoint": PHONE}),
                           (f"/api/v1/agents/{agent_id}/presence",
                            {"state": "available", "queues": [QUEUE]})]:
            response = client.open(path, method="PUT" if path.endswith("endpoint") else "POST",
                                   json=body, headers=headers)
            assert response.status_code == 200, response.get_json()
    return people
