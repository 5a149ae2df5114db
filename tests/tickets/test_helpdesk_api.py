"""The helpdesk routes of /api/v1: create, change, lock, articles, history, counts,
queue SLAs and "my queues", with their 401/403/404/409/422 answers."""

from __future__ import annotations

import pytest

from tests.tickets.conftest import at

API = "/api/v1"


def bearer(client, owner_headers, email, permissions, role="custom"):
    agent = client.post(f"{API}/agents", json={"email": email, "name": email.split("@")[0],
                                               "role": role, "permissions": permissions},
                        headers=owner_headers).get_json()
    token = client.post(f"{API}/agents/{agent['id']}/token",
                        headers=owner_headers).get_json()["token"]
    return agent["id"], {"Authorization": f"Bearer {token}"}


@pytest.fixture
def ana(client, owner_headers):
    return bearer(client, owner_headers, "ana@x.io", ["tickets"])


@pytest.fixture
def ben(client, owner_headers):
    return bearer(client, owner_headers, "ben@x.io", ["tickets"])


@pytest.fixture
def ticket(client, ana, clock):
    clock.set(at("2027-01-15T10:00:00+00:00"))
    answer = client.post(f"{API}/tickets", json={"subject": "No dial tone",
                                                 "requester": "+44 20 7183 8750",
                                                 "queue": "support", "priority": 4},
                         headers=ana[1])
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_creating_needs_the_tickets_permission(client, owner_headers):
    assert client.post(f"{API}/tickets", json={"subject": "x"}).status_code == 401
    _, plain = bearer(client, owner_headers, "p@x.io", ["callbacks"])
    answer = client.post(f"{API}/tickets", json={"subject": "x"}, headers=plain)
    assert answer.status_code == 403


def test_a_created_ticket_is_new_with_its_number(ticket):
    assert ticket["state"] == "new" and ticket["status"] == "open"
    assert ticket["number"].startswith("20270115")
    assert (ticket["queue"], ticket["priority"], ticket["requester"]) == \
        ("support", 4, "+442071838750")


def test_bad_bodies_are_422s_naming_every_field(client, ana):
    answer = client.post(f"{API}/tickets", json={"subject": "", "priority": 0,
                                                 "state": "done", "requester": "nobody",
                                                 "pending_until": "tomorrow"},
                         headers=ana[1])
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"subject", "priority", "state", "requester",
                                                "pending_until"}


def test_patch_changes_fields_and_history_shows_them(client, ana, ticket):
    answer = client.patch(f"{API}/tickets/{ticket['id']}",
                          json={"state": "pending reminder",
                                "pending_until": "2027-01-18T09:00:00+01:00"},
                          headers=ana[1])
    assert answer.status_code == 200
    assert answer.get_json()["pending_until"] == "2027-01-18T08:00:00Z"
    history = client.get(f"{API}/tickets/{ticket['id']}/history",
                         headers=ana[1]).get_json()["history"]
    assert [(h["field"], h["new"], h["agent_id"]) for h in history] == [
        ("created", ticket["number"], ana[0]), ("state", "pending reminder", ana[0]),
        ("pending_until", "2027-01-18T08:00:00Z", ana[0])]


def test_a_locked_ticket_is_a_409_for_other_agents(client, ana, ben, ticket, owner_headers):
    lock = client.post(f"{API}/tickets/{ticket['id']}/lock", headers=ana[1])
    assert lock.status_code == 200
    assert lock.get_json()["locked_by_agent_id"] == ana[0]
    refused = client.patch(f"{API}/tickets/{ticket['id']}", json={"priority": 1},
                           headers=ben[1])
    assert refused.status_code == 409
    assert "locked by ana" in refused.get_json()["error"]
    # The owner token acts as an admin.
    assert client.post(f"{API}/tickets/{ticket['id']}/unlock",
                       headers=owner_headers).status_code == 200
    assert client.patch(f"{API}/tickets/{ticket['id']}", json={"priority": 1},
                        headers=ben[1]).status_code == 200


def test_the_owner_token_names_the_agent_who_locks(client, owner_headers, ticket, ana):
    missing = client.post(f"{API}/tickets/{ticket['id']}/lock", headers=owner_headers)
    assert missing.status_code == 422 and "agent_id" in missing.get_json()["errors"]
    locked = client.post(f"{API}/tickets/{ticket['id']}/lock", json={"agent_id": ana[0]},
                         headers=owner_headers)
    assert locked.get_json()["locked_by_agent_id"] == ana[0]


def test_articles_are_added_and_listed_with_the_ticket(client, ana, ticket):
    answer = client.post(f"{API}/tickets/{ticket['id']}/articles",
                         json={"kind": "email", "body": "We are on it."}, headers=ana[1])
    assert answer.status_code == 201
    article = answer.get_json()
    assert (article["kind"], article["internal"], article["author"],
            article["author_agent_id"]) == ("email", False, "ana", ana[0])
    got = client.get(f"{API}/tickets/{ticket['id']}", headers=ana[1]).get_json()
    assert [c["id"] for c in got["comments"]] == [article["id"]]
    assert got["state"] == "open"
    bad = client.post(f"{API}/tickets/{ticket['id']}/articles", json={"kind": "fax"},
                      headers=ana[1])
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"kind", "body"}


def test_unknown_and_impossible_ids_are_404s(client, ana):
    for path in ("/tickets/999", "/tickets/2147483648", "/tickets/99999999999/history"):
        assert client.get(API + path, headers=ana[1]).status_code == 404
    assert client.post(f"{API}/tickets/2147483648/lock", headers=ana[1]).status_code == 404


def test_list_filters_and_counts(client, ana, ticket):
    listed = client.get(f"{API}/tickets?state=new&queue=support&sort=-priority",
                        headers=ana[1]).get_json()
    assert [t["id"] for t in listed["tickets"]] == [ticket["id"]]
    counts = client.get(f"{API}/tickets/counts?queue=support", headers=ana[1]).get_json()
    assert counts["counts"]["new"] == 1 and counts["counts"]["open"] == 0
    bad = client.get(f"{API}/tickets?state=done&sort=size", headers=ana[1])
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"state", "sort"}


def test_my_queues_are_set_by_the_agent_and_filter_the_list(client, ana, ben, ticket,
                                                             owner_headers):
    agent_id, headers = ana
    put = client.put(f"{API}/agents/{agent_id}/ticket-queues",
                     json={"queues": ["support", "billing"]}, headers=headers)
    assert put.status_code == 200 and put.get_json()["queues"] == ["billing", "support"]
    assert client.get(f"{API}/agents/{agent_id}/ticket-queues",
                      headers=headers).get_json()["queues"] == ["billing", "support"]
    mine = client.get(f"{API}/tickets?my_queues=true", headers=headers).get_json()
    assert [t["id"] for t in mine["tickets"]] == [ticket["id"]]
    assert client.get(f"{API}/tickets?my_queues=true", headers=ben[1]).get_json()["total"] == 0
    other = client.put(f"{API}/agents/{agent_id}/ticket-queues", json={"queues": []},
                       headers=ben[1])
    assert other.status_code == 403
    bad = client.put(f"{API}/agents/{agent_id}/ticket-queues", json={"queues": ["a b"]},
                     headers=headers)
    assert bad.status_code == 422 and "queues.0" in bad.get_json()["errors"]
    owner = client.get(f"{API}/tickets?my_queues=true", headers=owner_headers)
    assert owner.status_code == 422 and "my_queues" in owner.get_json()["errors"]


def test_a_queue_sla_is_set_read_and_used(client, owner_headers, ana, clock):
    sla = {"first_response_minutes": 60, "update_minutes": None, "solution_minutes": 480,
           "time_zone": "Europe/Berlin",
           "business_hours": {"mon": [["08:00", "17:00"]], "fri": [["08:00", "12:00"]]}}
    put = client.put(f"{API}/queues/support/sla", json=sla, headers=owner_headers)
    assert put.status_code == 200, put.get_json()
    assert client.get(f"{API}/queues/support/sla",
                      headers=owner_headers).get_json() == {"queue_id": "support", **sla}
    clock.set(at("2027-01-15T11:30:00+01:00"))  # Friday
    ticket = client.post(f"{API}/tickets", json={"subject": "x", "requester": "a@b.io",
                                                 "queue": "support"},
                         headers=ana[1]).get_json()
    assert ticket["first_response_due"] == "2027-01-18T07:30:00Z"  # Monday 08:30 Berlin
    bad = client.put(f"{API}/queues/support/sla",
                     json={"first_response_minutes": 0, "time_zone": "Nowhere",
                           "business_hours": {"someday": []}}, headers=owner_headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"first_response_minutes", "time_zone",
                                             "business_hours.someday"}
    assert client.put(f"{API}/queues/support/sla", json={},
                      headers=ana[1]).status_code == 403
    assert client.delete(f"{API}/queues/support/sla", headers=owner_headers).status_code == 204
    assert client.delete(f"{API}/queues/support/sla", headers=owner_headers).status_code == 404
