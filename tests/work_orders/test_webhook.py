"""The work-order webhook through the helpdesk outbox and real rq workers: a work
order's creation and each state change reach the receiver as JSON signed with
the shared secret; a change waits for its work order's creation; the
receiver's reference is kept on the work order."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from ringback.work_orders import Location, WorkOrderState
from ringback.worker import make_worker
from tests.helpdesk.standin import HelpdeskStandIn

SECRET = "wo-secret-0123456789"


@pytest.fixture
def standin():
    server = HelpdeskStandIn()
    yield server
    server.close()


@pytest.fixture
def settings(settings, standin):
    return settings.with_changes(work_order_webhook_url=f"{standin.url}/hooks/work-orders",
                                 work_order_webhook_secret=SECRET)


def _work(services) -> None:
    make_worker(services, simple=True).work(burst=True)


def _signed(seen) -> dict:
    expected = "sha256=" + hmac.new(SECRET.encode(), seen.body, hashlib.sha256).hexdigest()
    assert seen.headers["X-Ringback-Signature"] == expected
    assert seen.headers["Content-Type"] == "application/json"
    return json.loads(seen.body)


def test_creation_and_state_change_arrive_signed_with_the_work_order(services, standin,
                                                                    appliance):
    standin.answer(201, json.dumps({"id": "EXT-9"}))
    standin.answer(200, "{}")
    orders = services.work_orders
    made = orders.create(appliance.id, Location("12 Main St", 52.52, 13.405), 4)
    orders.advance(made.id, WorkOrderState.APPROVED, 5, "Crew on Monday")
    _work(services)

    created, changed = standin.seen
    assert (created.method, created.path) == ("POST", "/hooks/work-orders")
    body = _signed(created)
    assert created.headers["Idempotency-Key"] == f"work_order:{made.id}:created"
    assert body["event"] == "work_order.created"
    order = body["work_order"]
    assert (order["id"], order["number"], order["state"], order["state_label"]) == (
        made.id, made.number, "waiting_approval", "Waiting for approval")
    assert order["problem_code"]["code"] == "SW-APPL"
    assert order["tasks"] == ["Confirm items with the resident", "Schedule the truck",
                              "Collect the appliance"]
    assert (order["estimated_minutes"], order["priority"], order["crew"]) == (
        30, 3, "Bulky waste crew")
    assert order["location"] == {"address": "12 Main St", "latitude": 52.52,
                                 "longitude": 13.405}

    body = _signed(changed)
    assert body["event"] == "work_order.state_changed"
    assert {k: body["change"][k] for k in ("from_state", "to_state", "agent_id", "note")} == {
        "from_state": "waiting_approval", "to_state": "approved", "agent_id": 5,
        "note": "Crew on Monday"}
    assert body["work_order"]["state"] == "approved"
    assert changed.headers["Idempotency-Key"] == f"work_order:{made.id}:state:1"

    assert orders.get(made.id).external_ref == "EXT-9"
    assert services.helpdesk_outbox.unsent() == []


def test_a_change_waits_until_its_work_order_was_taken(services, standin, clock, appliance):
    standin.answer(503, "down for maintenance")
    orders = services.work_orders
    made = orders.create(appliance.id, Location("1 Elm Road"), 4)
    orders.advance(made.id, "approved", 5, "")
    _work(services)

    assert len(standin.seen) == 1  # the creation, refused; the change was not sent
    waiting = {row.kind: row for row in services.helpdesk_outbox.unsent()}
    assert "HTTP 503" in waiting["created"].last_error
    assert "creation" in waiting["state_changed"].last_error

    standin.answer(200, "{}")
    standin.answer(200, "{}")
    clock.advance(3600)
    assert services.helpdesk_outbox.sweep() == 2
    _work(services)
    assert [json.loads(s.body)["event"] for s in standin.seen[1:]] == [
        "work_order.created", "work_order.state_changed"]
    assert services.helpdesk_outbox.unsent() == []
    assert orders.get(made.id).external_ref is None  # the receiver named no reference


def test_a_work_order_rolled_back_is_never_announced(services, standin, appliance):
    with pytest.raises(RuntimeError), services.db.session() as session:
        services.work_orders.create(appliance.id, Location("1 Elm Road"), 4, session=session)
        raise RuntimeError("the request could not be saved")
    _work(services)
    assert standin.seen == []
    assert services.helpdesk_outbox.unsent() == []


def test_the_webhook_settings_come_from_the_environment(tmp_path):
    from ringback.settings import Settings, SettingsError

    base = {"RINGBACK_DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 32}
    s = Settings.from_env({**base, "RINGBACK_WORK_ORDER_WEBHOOK_URL": "https://wo.example/in",
                           "RINGBACK_WORK_ORDER_WEBHOOK_SECRET": SECRET})
    assert (s.work_order_webhook_url, s.work_order_webhook_secret) == (
        "https://wo.example/in", SECRET)
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**base, "RINGBACK_WORK_ORDER_WEBHOOK_URL": "ftp://wo.example"})
    assert "RINGBACK_WORK_ORDER_WEBHOOK_URL" in str(refused.value)
