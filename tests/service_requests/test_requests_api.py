"""/api/v1/service-requests: the contact logged at once, 422 naming each section its type
needs, conversion, the 409 of a problem already reported nearby, and the permission."""

from __future__ import annotations

from tests.customers.conftest import agent_headers


def test_the_request_api_from_saving_to_a_linked_work_order(client, owner_headers, desk):
    headers = agent_headers(client, owner_headers, ["requests"])
    saved = client.post("/api/v1/service-requests", json={"type": "information"},
                        headers=headers)
    assert saved.status_code == 201
    request_id = saved.get_json()["id"]
    assert saved.get_json()["complete"] is False
    missing = client.post(f"/api/v1/service-requests/{request_id}/complete", json={},
                          headers=headers)
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"article_ids"}
    converted = client.post(f"/api/v1/service-requests/{request_id}/convert",
                            json={"to": "action"}, headers=headers)
    assert converted.get_json()["type"] == "action"
    assert converted.get_json()["history"][-1]["event"] == "type"
    missing = client.post(f"/api/v1/service-requests/{request_id}/complete", json={},
                          headers=headers)
    assert set(missing.get_json()["errors"]) == {"problem_code_id", "address"}
    done = client.post(f"/api/v1/service-requests/{request_id}/complete",
                       json={"problem_code_id": desk.appliance.id, "address": "12 Elm Street"},
                       headers=headers).get_json()
    order_id = done["work_order_id"]
    assert done["complete"] is True and order_id is not None

    second = client.post("/api/v1/service-requests", json={"type": "action", "channel": "fax"},
                         headers=headers).get_json()["id"]
    client.patch(f"/api/v1/service-requests/{second}",
                 json={"problem_code_id": desk.appliance.id, "address": "12 ELM ST"},
                 headers=headers)
    near = client.get(f"/api/v1/service-requests/{second}/already-reported",
                      headers=headers).get_json()
    assert [w["id"] for w in near["work_orders"]] == [order_id]
    conflict = client.post(f"/api/v1/service-requests/{second}/complete", json={},
                           headers=headers)
    assert conflict.status_code == 409
    assert "already reported" in conflict.get_json()["error"]
    linked = client.post(f"/api/v1/service-requests/{second}/complete",
                         json={"work_order_id": order_id}, headers=headers).get_json()
    assert linked["work_order_id"] == order_id
    listed = client.get(f"/api/v1/service-requests?work_order_id={order_id}",
                        headers=headers).get_json()
    assert listed["total"] == 2


def test_bad_fields_are_named_and_nothing_is_stored(client, owner_headers, desk):
    refused = client.post("/api/v1/service-requests",
                          json={"type": "complaint", "channel": "phone", "latitude": 1},
                          headers=owner_headers)
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"type", "latitude"}
    request_id = client.post("/api/v1/service-requests", json={"type": "action"},
                             headers=owner_headers).get_json()["id"]
    bad = client.patch(f"/api/v1/service-requests/{request_id}",
                       json={"latitude": 91, "longitude": "east", "address": "x" * 301},
                       headers=owner_headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"latitude", "longitude", "address"}
    assert client.get(f"/api/v1/service-requests/{request_id}",
                      headers=owner_headers).get_json()["address"] == ""


def test_requests_need_the_requests_permission(client, owner_headers):
    headers = agent_headers(client, owner_headers, ["tickets"])
    assert client.get("/api/v1/service-requests", headers=headers).status_code == 403
    assert client.post("/api/v1/service-requests", json={"type": "remark"},
                       headers=headers).status_code == 403
