"""/api/v1/problem-codes and /api/v1/work-orders: reading needs the requests
permission, a state change needs work_orders; refused steps are 409s, bad input
422s naming the field."""

from __future__ import annotations

import pytest

from ringback.work_orders import Location


def _token(client, owner_headers, *permissions: str) -> dict[str, str]:
    agent = client.post("/api/v1/agents", json={"email": f"{'-'.join(permissions) or 'none'}"
                                                         "@x.io", "name": "A",
                                                "permissions": list(permissions)},
                        headers=owner_headers).get_json()
    token = client.post(f"/api/v1/agents/{agent['id']}/token",
                        headers=owner_headers).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def made(services, appliance):
    return services.work_orders.create(appliance.id, Location("12 Main St"), None)


def test_the_tree_search_and_one_code(client, owner_headers, appliance):
    reader = _token(client, owner_headers, "requests")
    tree = client.get("/api/v1/problem-codes", headers=reader).get_json()["departments"]
    assert [d["name"] for d in tree] == ["Environmental services", "Streets"]
    (provider,) = tree[0]["children"]
    (category,) = provider["children"]
    assert [c["code"] for c in category["codes"]] == ["SW-APPL", "SW-MISS"]
    found = client.get("/api/v1/problem-codes/search?q=appl", headers=reader).get_json()
    assert [c["name"] for c in found["codes"]] == ["Appliance pickup"]
    one = client.get(f"/api/v1/problem-codes/{appliance.id}", headers=reader).get_json()
    assert one["template"]["crew"] == "Bulky waste crew"
    assert one["department"] == "Environmental services"
    assert client.get("/api/v1/problem-codes/999999", headers=reader).status_code == 404


def test_reading_needs_requests_and_changing_needs_work_orders(client, owner_headers, made):
    nobody = _token(client, owner_headers)
    reader = _token(client, owner_headers, "requests")
    assert client.get("/api/v1/work-orders", headers=nobody).status_code == 403
    assert client.get("/api/v1/problem-codes", headers=nobody).status_code == 403
    listed = client.get("/api/v1/work-orders", headers=reader).get_json()
    assert [o["number"] for o in listed["work_orders"]] == [made.number]
    refused = client.post(f"/api/v1/work-orders/{made.id}/state", json={"state": "approved"},
                          headers=reader)
    assert refused.status_code == 403
    got = client.get(f"/api/v1/work-orders/{made.id}", headers=reader).get_json()
    assert got["state"] == "waiting_approval" and len(got["history"]) == 1


def test_state_changes_through_the_api(client, owner_headers, services, made):
    worker = _token(client, owner_headers, "requests", "work_orders")
    url = f"/api/v1/work-orders/{made.id}/state"
    moved = client.post(url, json={"state": "Approved", "note": "ok"}, headers=worker)
    assert moved.status_code == 200
    body = moved.get_json()
    assert (body["state"], body["state_label"]) == ("approved", "Approved")
    assert body["history"][-1]["note"] == "ok"
    agent_id = body["history"][-1]["agent_id"]
    assert agent_id is not None and services.agents.get(agent_id).permissions

    wrong = client.post(url, json={"state": "closed_forever", "colour": 1}, headers=worker)
    assert wrong.status_code == 422
    assert set(wrong.get_json()["errors"]) == {"colour"}
    wrong = client.post(url, json={"state": "closed_forever"}, headers=worker)
    assert set(wrong.get_json()["errors"]) == {"state"}
    skip = client.post(url, json={"state": "completed"}, headers=worker)
    assert skip.status_code == 409
    assert "In progress" in skip.get_json()["error"]
    assert services.work_orders.get(made.id).state.value == "approved"

    assert client.get("/api/v1/work-orders?state=approved&open=true",
                      headers=worker).get_json()["total"] == 1
    assert client.get("/api/v1/work-orders?state=closed", headers=worker).get_json()[
        "total"] == 0
    bad = client.get("/api/v1/work-orders?open=maybe&limit=0", headers=worker)
    assert set(bad.get_json()["errors"]) == {"open", "limit"}
