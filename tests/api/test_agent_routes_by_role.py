"""Who may do what on /api/v1/agents/{id}/...: every route, every role, self and others.

The rule (``ringback.agents.check_manage``): agents act on themselves;
changing someone else needs the agents area, and nobody changes the owner,
and only the owner and admins change admins.  Reading needs the agents area
(presence also ``live_queue``); a softphone token goes only to its own agent.
Each denial is checked to have changed nothing.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import PHONE, Person

# Whom each actor may change besides themselves (kinds of target).
MANAGES = {
    "owner_token": {"admin", "custom"},
    "owner": {"admin", "custom"},
    "admin": {"admin", "custom"},
    "manager": {"custom"},
    "plain": set(),
}
HOLDS_AGENTS_AREA = {"owner_token", "owner", "admin", "manager"}
ACTORS = list(MANAGES)
NEW_PHONE = "+493098765432"


def targets(team: dict[str, Person], actor: str) -> list[tuple[str, Person]]:
    """(kind, person) for the owner, another admin, another custom agent, then oneself
    (last, because a new token of one's own ends the one the test acts with)."""
    found = [("owner", team["owner"]),
             ("admin", team["admin2" if actor == "admin" else "admin"]),
             ("custom", team["other"])]
    found = [(kind, p) for kind, p in found if p.name != actor]
    if team[actor].id is not None:
        found.append(("self", team[actor]))
    return found


def may_change(actor: str, kind: str) -> bool:
    return kind == "self" or kind in MANAGES[actor]


def presence(client, team, person: Person) -> str:
    response = client.get(f"/api/v1/agents/{person.id}/presence",
                          headers=team["owner_token"].headers)
    assert response.status_code == 200
    return response.get_json()["state"]


def endpoint(client, team, person: Person) -> str | None:
    response = client.get(f"/api/v1/agents/{person.id}", headers=team["owner_token"].headers)
    return response.get_json()["endpoint"]


@pytest.mark.parametrize("actor", ACTORS)
def test_setting_presence_follows_the_manage_rule(client, team, actor):
    for kind, target in targets(team, actor):
        response = client.post(f"/api/v1/agents/{target.id}/presence",
                               json={"state": "logged_out"}, headers=team[actor].headers)
        if may_change(actor, kind):
            assert response.status_code == 200, (kind, response.get_json())
            assert presence(client, team, target) == "logged_out"
        else:
            assert response.status_code == 403, (kind, response.get_json())
            assert "error" in response.get_json()
            assert presence(client, team, target) == "available"


@pytest.mark.parametrize("actor", ACTORS)
def test_making_someone_available_follows_the_manage_rule(client, team, actor):
    for kind, target in targets(team, actor):
        client.post(f"/api/v1/agents/{target.id}/presence", json={"state": "away"},
                    headers=target.headers)
        response = client.post(f"/api/v1/agents/{target.id}/presence",
                               json={"state": "available"}, headers=team[actor].headers)
        expected = "available" if may_change(actor, kind) else "away"
        assert response.status_code == (200 if may_change(actor, kind) else 403), kind
        assert presence(client, team, target) == expected, kind


@pytest.mark.parametrize("actor", ACTORS)
def test_setting_an_endpoint_follows_the_manage_rule(client, team, actor):
    for kind, target in targets(team, actor):
        response = client.put(f"/api/v1/agents/{target.id}/endpoint",
                              json={"endpoint": NEW_PHONE}, headers=team[actor].headers)
        if may_change(actor, kind):
            assert response.status_code == 200, (kind, response.get_json())
            assert endpoint(client, team, target) == NEW_PHONE
        else:
            assert response.status_code == 403, (kind, response.get_json())
            assert endpoint(client, team, target) == PHONE


@pytest.mark.parametrize("actor", ACTORS)
def test_issuing_a_token_needs_the_agents_area_and_the_manage_rule(client, team, actor):
    for kind, target in targets(team, actor):
        response = client.post(f"/api/v1/agents/{target.id}/token",
                               headers=team[actor].headers)
        own = client.get(f"/api/v1/agents/{target.id}/presence", headers=target.headers)
        if actor in HOLDS_AGENTS_AREA and may_change(actor, kind):
            assert response.status_code == 201, (kind, response.get_json())
            assert own.status_code == 401  # the previous token stopped working
            fresh = {"Authorization": f"Bearer {response.get_json()['token']}"}
            assert client.get(f"/api/v1/agents/{target.id}/presence",
                              headers=fresh).status_code == 200
        else:
            assert response.status_code == 403, (kind, response.get_json())
            assert own.status_code == 200


@pytest.mark.parametrize("actor", ACTORS)
def test_reading_an_agent_needs_the_agents_area(client, team, actor):
    for kind, target in targets(team, actor):
        response = client.get(f"/api/v1/agents/{target.id}", headers=team[actor].headers)
        if actor in HOLDS_AGENTS_AREA:
            assert response.status_code == 200, kind
            assert response.get_json()["id"] == target.id
        else:
            assert response.status_code == 403, kind


@pytest.mark.parametrize("actor", ACTORS)
def test_reading_presence_is_for_oneself_or_the_agents_area(client, team, actor):
    for kind, target in targets(team, actor):
        response = client.get(f"/api/v1/agents/{target.id}/presence",
                              headers=team[actor].headers)
        if kind == "self" or actor in HOLDS_AGENTS_AREA:
            assert response.status_code == 200, kind
            assert response.get_json()["state"] == "available"
        else:
            assert response.status_code == 403, kind


@pytest.mark.parametrize("actor", ACTORS)
def test_a_softphone_token_goes_only_to_its_own_agent(client, team, actor):
    for kind, target in targets(team, actor):
        response = client.get(f"/api/v1/agents/{target.id}/softphone-token",
                              headers=team[actor].headers)
        if kind == "self":
            # Allowed, but a phone endpoint is no softphone: told so, field named.
            assert response.status_code == 422
            assert "endpoint" in response.get_json()["errors"]
        else:
            assert response.status_code == 403, kind


def test_a_custom_agent_with_the_agents_area_cannot_log_out_the_owner_or_an_admin(
        client, team):
    """Issue 17, finding 2, as reported: 200 for both, and the admin was offered calls."""
    manager = team["manager"].headers
    for boss in (team["owner"], team["admin"]):
        for state in ("logged_out", "available"):
            response = client.post(f"/api/v1/agents/{boss.id}/presence",
                                   json={"state": state}, headers=manager)
            assert response.status_code == 403
            assert "owner" in response.get_json()["error"] or \
                "admin" in response.get_json()["error"]
        assert presence(client, team, boss) == "available"


def test_presence_of_an_unknown_agent_is_404_for_the_agents_area(client, team):
    response = client.post("/api/v1/agents/999999/presence", json={"state": "away"},
                           headers=team["manager"].headers)
    assert response.status_code == 404
    response = client.post("/api/v1/agents/999999/presence", json={"state": "away"},
                           headers=team["plain"].headers)
    assert response.status_code == 403
