from __future__ import annotations

import pytest

from ringback.customers import CustomerDirectory


@pytest.fixture
def directory(db) -> CustomerDirectory:
    return CustomerDirectory(db)


def agent_headers(client, owner_headers, permissions: list[str]) -> dict[str, str]:
    """Bearer headers of a new custom agent holding ``permissions``."""
    agent = client.post("/api/v1/agents", json={"email": "c@x.io", "name": "C",
                                                "permissions": permissions},
                        headers=owner_headers).get_json()
    token = client.post(f"/api/v1/agents/{agent['id']}/token",
                        headers=owner_headers).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}
