"""/api/v1/numbers and /api/v1/queues: configuration that every call reads."""

from __future__ import annotations

from ringback.ivr.prompts import PromptKey, load_prompts
from ringback.numbers import NumberDirectory
from tests.webhooks.conftest import BUSINESS, CALLER, SID


def agent_headers(client, owner_headers, permissions: list[str]) -> dict[str, str]:
    email = f"{'-'.join(permissions) or 'none'}@x.io"
    agent = client.post("/api/v1/agents", json={"email": email, "name": "N",
                                                "permissions": permissions},
                        headers=owner_headers).get_json()
    token = client.post(f"/api/v1/agents/{agent['id']}/token",
                        headers=owner_headers).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_put_creates_then_replaces_and_get_returns_the_canonical_document(client, owner_headers):
    created = client.put(f"/api/v1/numbers/{BUSINESS}", headers=owner_headers,
                         json={"language": "DE", "queue_id": "support"})
    assert created.status_code == 201
    assert created.get_json()["language"] == "de"
    assert created.get_json()["callback"] == {"enabled": True, "allowed_countries": ["DE"]}

    replaced = client.put(f"/api/v1/numbers/{BUSINESS}", headers=owner_headers,
                          json={"line_type": "digital"})
    assert replaced.status_code == 200
    stored = client.get(f"/api/v1/numbers/{BUSINESS}", headers=owner_headers).get_json()
    assert stored == replaced.get_json()
    assert (stored["line_type"], stored["language"], stored["queue_id"]) == (
        "digital", None, "default")
    assert stored["callback"]["enabled"] is False
    listed = client.get("/api/v1/numbers", headers=owner_headers).get_json()
    assert listed == {"numbers": [stored], "default_language": "en"}


def test_a_digital_line_that_enables_callbacks_is_422_and_nothing_is_stored(
    client, owner_headers
):
    response = client.put(f"/api/v1/numbers/{BUSINESS}", headers=owner_headers,
                          json={"line_type": "digital", "callback": {"enabled": True},
                                "max_wait_seconds": 5})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "callback.enabled": "a digital line never offers callbacks",
        "max_wait_seconds": "must be a whole number of seconds from 30 to 86400, or null",
    }
    assert client.get(f"/api/v1/numbers/{BUSINESS}", headers=owner_headers).status_code == 404


def test_a_number_not_in_e164_is_422_and_an_unknown_one_404(client, owner_headers):
    response = client.put("/api/v1/numbers/030123456", headers=owner_headers, json={})
    assert response.status_code == 422
    assert "e164" in response.get_json()["errors"]
    assert client.get("/api/v1/numbers/+4930999999", headers=owner_headers).status_code == 404
    assert client.delete("/api/v1/numbers/+4930999999", headers=owner_headers).status_code == 404


def test_numbers_need_the_numbers_permission(client, owner_headers):
    assert client.get(f"/api/v1/numbers/{BUSINESS}").status_code == 401
    other = agent_headers(client, owner_headers, ["callbacks"])
    assert client.put(f"/api/v1/numbers/{BUSINESS}", json={}, headers=other).status_code == 403
    allowed = agent_headers(client, owner_headers, ["numbers"])
    assert client.put(f"/api/v1/numbers/{BUSINESS}", json={}, headers=allowed).status_code == 201


def test_the_next_call_hears_a_changed_or_deleted_configuration_at_once(
    client, owner_headers, signed
):
    params = {"CallSid": SID, "From": CALLER, "To": BUSINESS}
    client.put(f"/api/v1/numbers/{BUSINESS}", json={"language": "fr"}, headers=owner_headers)
    assert load_prompts("fr").text(PromptKey.WELCOME).encode() in \
        signed("/twilio/voice", params).data

    client.put(f"/api/v1/numbers/{BUSINESS}", json={"language": "de"}, headers=owner_headers)
    assert load_prompts("de").text(PromptKey.WELCOME).encode() in \
        signed("/twilio/voice", params).data

    assert client.delete(f"/api/v1/numbers/{BUSINESS}", headers=owner_headers).status_code == 204
    assert load_prompts("en").text(PromptKey.UNKNOWN_NUMBER).encode() in \
        signed("/twilio/voice", params).data


def test_a_cached_directory_sees_changes_made_by_another_process(db, redis_client):
    reader = NumberDirectory(db, redis_client)
    writer = NumberDirectory(db, redis_client)
    assert reader.find(BUSINESS) is None
    writer.put(BUSINESS, {"language": "fr"})
    assert reader.find(BUSINESS).language == "fr"
    writer.put(BUSINESS, {"language": "de"})
    assert reader.find(BUSINESS).language == "de"
    assert reader.cached(BUSINESS).language == "de"
    writer.delete(BUSINESS)
    assert reader.find(BUSINESS) is None
    assert reader.find("not a number") is None


def test_queue_settings_default_until_configured_then_replace_as_a_whole(
    client, owner_headers, services
):
    fresh = client.get("/api/v1/queues/support", headers=owner_headers)
    assert fresh.status_code == 200
    assert fresh.get_json() == {"queue_id": "support", "max_size": 500, "max_wait_seconds": 1800,
                                "offer_timeout_seconds": 20, "wrap_up_seconds": 30,
                                "priorities": {}}

    put = client.put("/api/v1/queues/support", headers=owner_headers,
                     json={"max_size": 3, "wrap_up_seconds": 0, "priorities": {"booking": 5}})
    assert put.status_code == 200
    stored = client.get("/api/v1/queues/support", headers=owner_headers).get_json()
    assert stored == put.get_json()
    assert (stored["max_size"], stored["wrap_up_seconds"], stored["offer_timeout_seconds"],
            stored["priorities"]) == (3, 0, 20, {"booking": 5})
    assert services.queue.settings("support").max_size == 3


def test_bad_queue_settings_are_422_naming_each_field(client, owner_headers):
    response = client.put("/api/v1/queues/support", headers=owner_headers,
                          json={"max_size": 0, "offer_timeout_seconds": "20", "colour": "red",
                                "priorities": {"vip": 1, "ticket": 100}})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {
        "max_size", "offer_timeout_seconds", "colour", "priorities.vip", "priorities.ticket"}
    bad_id = client.put("/api/v1/queues/a{b}", headers=owner_headers, json={})
    assert bad_id.status_code == 422
    assert "queue_id" in bad_id.get_json()["errors"]


def test_a_full_queue_sends_the_next_caller_to_the_overflow(client, owner_headers, signed):
    client.put("/api/v1/queues/default", headers=owner_headers, json={"max_size": 1})
    client.put(f"/api/v1/numbers/{BUSINESS}", json={}, headers=owner_headers)
    first = signed("/twilio/voice/menu", {"CallSid": SID, "From": CALLER, "To": BUSINESS})
    assert b"<Enqueue" in first.data
    second = signed("/twilio/voice/menu", {"CallSid": "CA" + "cd" * 16, "From": CALLER,
                                           "To": BUSINESS})
    assert load_prompts("en").text(PromptKey.OVERFLOW).encode() in second.data
