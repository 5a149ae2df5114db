"""/api/v1 of the booking catalog through the real app: 401 without a token, 403
without the bookings permission, 404 for unknown ids (also past 2**31), 422
naming each bad field, and the documented shapes."""

from __future__ import annotations

import pytest

from tests.customers.conftest import agent_headers
from tests.test_openapi import matches_schema

API = "/api/v1"


@pytest.fixture
def doc(client):
    return client.get(f"{API}/openapi.json").get_json()


@pytest.fixture
def booker(client, owner_headers):
    return agent_headers(client, owner_headers, ["bookings"])


def _made(response, schema=None, doc=None):
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    if schema:
        assert matches_schema(doc, schema, body) == []
    return body


def test_the_catalog_needs_a_token_and_the_bookings_permission(client, owner_headers):
    for path in ("/locations", "/services", "/resources", "/resources/1/hours/working",
                 "/resources/1/exceptions"):
        assert client.get(f"{API}{path}").status_code == 401, path
    without = agent_headers(client, owner_headers, ["tickets"])
    refused = client.get(f"{API}/locations", headers=without)
    assert refused.status_code == 403
    assert "bookings permission" in refused.get_json()["error"]
    assert client.post(f"{API}/locations", json={"name": "X", "time_zone": "UTC"},
                       headers=without).status_code == 403
    assert client.get(f"{API}/locations", headers=owner_headers).get_json() == {"locations": []}


def test_an_agent_with_the_bookings_permission_builds_a_business(client, booker, doc):
    berlin = _made(client.post(f"{API}/locations", headers=booker, json={
        "name": "Berlin", "address": "Unter den Linden 1", "time_zone": "Europe/Berlin"}),
        "Location", doc)
    cut = _made(client.post(f"{API}/services", headers=booker, json={
        "name": "Cut", "duration_minutes": 30, "location_ids": [berlin["id"]]}), "Service", doc)
    wash = _made(client.post(f"{API}/services", headers=booker, json={
        "name": "Wash", "duration_minutes": 15, "location_ids": [berlin["id"]]}))
    combo = _made(client.post(f"{API}/services", headers=booker, json={
        "name": "Wash and cut", "kind": "combined", "parts": [wash["id"], cut["id"]],
        "location_ids": [berlin["id"]]}), "Service", doc)
    assert (combo["duration_minutes"], combo["parts"], combo["global"]) == \
        (45, [wash["id"], cut["id"]], True)
    local = _made(client.post(f"{API}/services", headers=booker, json={
        "name": "Sauna", "duration_minutes": 60, "location_id": berlin["id"]}))
    assert (local["global"], local["location_ids"]) == (False, [berlin["id"]])
    listed = client.get(f"{API}/services?scope=global", headers=booker).get_json()
    assert matches_schema(doc, "ServiceList", listed) == []
    assert [s["name"] for s in listed["services"]] == ["Cut", "Wash", "Wash and cut"]

    ana = _made(client.post(f"{API}/resources", headers=booker, json={
        "location_id": berlin["id"], "name": "Ana", "email": "ana@example.com"}),
        "Resource", doc)
    assert ana["feed_url"].startswith("https://ringback.example.com/calendar/")
    assert ana["feed_url"].endswith(".ics")
    renewed = client.post(f"{API}/resources/{ana['id']}/feed-token", headers=booker)
    assert renewed.status_code == 200 and renewed.get_json()["feed_url"] != ana["feed_url"]

    week = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
    put = client.put(f"{API}/resources/{ana['id']}/hours/online", headers=booker,
                     json={"hours": week})
    assert put.status_code == 200, put.get_json()
    assert put.get_json() == {"kind": "online", "hours": week}
    assert matches_schema(doc, "WeeklyHours", put.get_json()) == []
    assert client.get(f"{API}/resources/{ana['id']}/hours/working",
                      headers=booker).get_json() == {"kind": "working", "hours": []}

    closed = _made(client.post(f"{API}/resources/{ana['id']}/exceptions", headers=booker,
                               json={"day": "2027-12-24", "kind": "closed"}),
                   "ResourceException", doc)
    assert (closed["start"], closed["end"]) == (None, None)
    listed = client.get(f"{API}/resources/{ana['id']}/exceptions", headers=booker).get_json()
    assert [e["id"] for e in listed["exceptions"]] == [closed["id"]]
    assert client.delete(f"{API}/resources/{ana['id']}/exceptions/{closed['id']}",
                         headers=booker).status_code == 204

    changed = client.patch(f"{API}/locations/{berlin['id']}", headers=booker,
                           json={"address": "Alexanderplatz 1"})
    assert changed.get_json()["address"] == "Alexanderplatz 1"
    assert client.get(f"{API}/resources?location_id={berlin['id']}",
                      headers=booker).get_json()["resources"][0]["name"] == "Ana"


def test_bad_fields_are_422_naming_each(client, booker):
    answer = client.post(f"{API}/locations", headers=booker,
                         json={"name": "", "time_zone": "Mars/Olympus", "floor": 2})
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"name", "time_zone", "floor"}
    answer = client.post(f"{API}/services", headers=booker,
                         json={"name": "X", "duration_minutes": 721})
    assert answer.get_json()["errors"] == {
        "duration_minutes": "must be a whole number from 5 to 720"}
    answer = client.post(f"{API}/resources", headers=booker,
                         json={"location_id": 2**31, "name": "X"})
    assert answer.status_code == 422 and "location_id" in answer.get_json()["errors"]
    answer = client.get(f"{API}/services?scope=everything&location_id=x", headers=booker)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) <= {"scope", "location_id"}
    berlin = _made(client.post(f"{API}/locations", headers=booker,
                               json={"name": "B", "time_zone": "Europe/Berlin"}))
    ana = _made(client.post(f"{API}/resources", headers=booker,
                            json={"location_id": berlin["id"], "name": "Ana"}))
    answer = client.put(f"{API}/resources/{ana['id']}/hours/working", headers=booker,
                        json={"hours": [{"weekday": 0, "start": "9", "end": "17:00"}]})
    assert answer.get_json()["errors"] == {
        "hours[0].start": 'must be a time of day "HH:MM" (00:00 to 24:00)'}
    answer = client.put(f"{API}/resources/{ana['id']}/hours/working", headers=booker,
                        json={"week": []})
    assert set(answer.get_json()["errors"]) == {"week"}


def test_unknown_ids_and_kinds_are_404(client, booker):
    for path in ("/locations/999", "/locations/2147483648", "/services/99999999999",
                 "/resources/2147483648", "/resources/1/hours/working",
                 "/resources/1/exceptions"):
        answer = client.get(f"{API}{path}", headers=booker)
        assert answer.status_code == 404, path
        assert "not found" in answer.get_json()["error"]
    berlin = _made(client.post(f"{API}/locations", headers=booker,
                               json={"name": "B", "time_zone": "Europe/Berlin"}))
    ana = _made(client.post(f"{API}/resources", headers=booker,
                            json={"location_id": berlin["id"], "name": "Ana"}))
    assert client.get(f"{API}/resources/{ana['id']}/hours/weekend",
                      headers=booker).status_code == 404
    assert client.delete(f"{API}/resources/{ana['id']}/exceptions/2147483648",
                         headers=booker).status_code == 404
    assert client.patch(f"{API}/services/2147483648", headers=booker,
                        json={"name": "X"}).status_code == 404


def test_deleting_what_bookings_need_is_a_conflict(client, booker, db):
    berlin = _made(client.post(f"{API}/locations", headers=booker,
                               json={"name": "B", "time_zone": "Europe/Berlin"}))
    cut = _made(client.post(f"{API}/services", headers=booker,
                            json={"name": "Cut", "duration_minutes": 30}))
    _made(client.post(f"{API}/services", headers=booker, json={
        "name": "Twice", "kind": "combined", "parts": [cut["id"], cut["id"]]}))
    refused = client.delete(f"{API}/services/{cut['id']}", headers=booker)
    assert refused.status_code == 409 and "combined" in refused.get_json()["error"]
    assert client.delete(f"{API}/locations/{berlin['id']}", headers=booker).status_code == 204
    assert client.get(f"{API}/locations/{berlin['id']}", headers=booker).status_code == 404
