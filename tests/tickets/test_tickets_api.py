"""GET /api/v1/tickets and /api/v1/tickets/<id>, through the real app."""

from __future__ import annotations

import pytest

from ringback.tickets import BuiltinTicketSink


@pytest.fixture
def sink(services) -> BuiltinTicketSink:
    return BuiltinTicketSink(services.db, services.clock)


def make(sink, key, *, subject="Callback", requester="+442071838750", **data):
    return sink.create_ticket(idempotency_key=key, subject=subject, requester=requester,
                              description=f"ticket {key}", data=data or None)


def agent_token(client, owner_headers, permissions):
    agent = client.post("/api/v1/agents", json={"email": "t@x.io", "name": "T",
                                                "permissions": permissions},
                        headers=owner_headers).get_json()
    return client.post(f"/api/v1/agents/{agent['id']}/token",
                       headers=owner_headers).get_json()["token"]


def test_listing_needs_a_token(client):
    assert client.get("/api/v1/tickets").status_code == 401


def test_an_agent_without_the_tickets_permission_gets_403(client, owner_headers):
    token = agent_token(client, owner_headers, ["callbacks"])
    response = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "tickets permission" in response.get_json()["error"]


def test_an_agent_with_the_tickets_permission_sees_them(client, owner_headers, sink):
    make(sink, "k1")
    token = agent_token(client, owner_headers, ["tickets"])
    response = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["total"] == 1


def test_the_list_is_newest_first_with_paging_and_total(client, owner_headers, sink, clock):
    ids = []
    for n in range(5):
        ids.append(int(make(sink, f"k{n}", queue="sales").id))
        clock.advance(1)
    body = client.get("/api/v1/tickets?limit=2&offset=1", headers=owner_headers).get_json()
    assert [t["id"] for t in body["tickets"]] == [ids[3], ids[2]]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 1)
    first = body["tickets"][0]
    assert first["status"] == "open"
    assert first["data"] == {"queue": "sales"}
    assert first["created_at"].endswith("Z")
    assert "comments" not in first


def test_filters_narrow_the_list(client, owner_headers, sink, clock):
    make(sink, "a", requester="ana@example.com")
    clock.advance(1)
    b = make(sink, "b", subject="Remark", requester="ana@example.com")
    clock.advance(1)
    make(sink, "c", requester="+442071838750")
    body = client.get("/api/v1/tickets",
                      query_string={"subject": "Remark", "requester": "ANA@example.com",
                                    "status": "open"},
                      headers=owner_headers).get_json()
    assert [t["id"] for t in body["tickets"]] == [int(b.id)]
    assert body["total"] == 1
    callbacks = client.get("/api/v1/tickets?subject=Callback", headers=owner_headers).get_json()
    assert callbacks["total"] == 2
    assert client.get("/api/v1/tickets?status=solved",
                      headers=owner_headers).get_json()["tickets"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=closed", "status"),
        ("requester=nobody", "requester"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("offset=-3", "offset"),
    ],
)
def test_a_bad_filter_is_422_naming_the_field(client, owner_headers, query, field):
    response = client.get(f"/api/v1/tickets?{query}", headers=owner_headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_one_ticket_comes_with_its_comments(client, owner_headers, sink, clock):
    ref = make(sink, "k", callback_number="+442071838750", attempts=1)
    clock.advance(30)
    sink.add_comment(ref.id, body="Callback attempt: no answer", internal=True,
                     author="ana@example.com")
    body = client.get(f"/api/v1/tickets/{ref.id}", headers=owner_headers).get_json()
    assert body["id"] == int(ref.id)
    assert body["description"] == "ticket k"
    assert body["data"] == {"callback_number": "+442071838750", "attempts": 1}
    assert [(c["body"], c["internal"], c["author"]) for c in body["comments"]] == [
        ("Callback attempt: no answer", True, "ana@example.com")
    ]
    assert body["updated_at"] == body["comments"][0]["created_at"]


def test_an_unknown_ticket_is_404(client, owner_headers):
    response = client.get("/api/v1/tickets/424242", headers=owner_headers)
    assert response.status_code == 404
    assert "ticket" in response.get_json()["error"]
    assert client.get("/api/v1/tickets/abc", headers=owner_headers).status_code == 404
