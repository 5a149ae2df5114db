"""/metrics through the Flask test client: live gauges, recorded counters, access."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from ringback.queue.models import AgentState, NewEntry, QueueSettings
from tests.observability.conftest import samples, value
from tests.webhooks.conftest import BUSINESS, CALLER, SID

PARAMS = {"CallSid": SID, "From": CALLER, "To": BUSINESS, "CallStatus": "in-progress"}
ROUND = {**PARAMS, "QueueSid": "QU" + "0" * 32, "QueueTime": "5", "QueuePosition": "1"}


def join_by_phone(signed, number) -> tuple[str, str]:
    """A caller dials the number and is put in its queue: (queue id, waitUrl path)."""
    config = number(language="en")
    answer = signed("/twilio/voice/menu", PARAMS)
    wait_url = ET.fromstring(answer.data).find("Enqueue").get("waitUrl")  # type: ignore[union-attr]
    parts = urlsplit(wait_url)
    return config["queue_id"], f"{parts.path}?{parts.query}"


def test_a_caller_joining_shows_in_the_queue_gauges(scrape, signed, number, clock):
    queue_id, _ = join_by_phone(signed, number)
    clock.advance(42)
    found = scrape()
    assert value(found, "ringback_live_state_up") == 1
    assert value(found, "ringback_queue_entries", queue=queue_id) == 1
    assert value(found, "ringback_queue_offered", queue=queue_id) == 0
    assert abs(value(found, "ringback_queue_head_wait_seconds", queue=queue_id) - 42) < 0.01
    assert value(found, "ringback_queue_agents_logged_in", queue=queue_id) == 0


def test_webhooks_are_timed_by_route_the_hold_loop_included(scrape, signed, number):
    before = scrape()
    _, wait_path = join_by_phone(signed, number)
    signed(wait_path, ROUND)
    signed(wait_path, ROUND)
    after = scrape()
    count = "ringback_webhook_seconds_count"
    assert value(after, count, route="twilio_menu") - value(before, count, route="twilio_menu") == 1
    assert value(after, count, route="twilio_wait") - value(before, count, route="twilio_wait") == 2
    assert value(after, "ringback_webhook_seconds_sum", route="twilio_wait") > \
        value(before, "ringback_webhook_seconds_sum", route="twilio_wait")


def test_offers_are_counted_by_queue_and_outcome(scrape, services, clock):
    queue = services.queue
    queue.configure("sales", QueueSettings(max_size=5, max_wait_seconds=600,
                                           offer_timeout_seconds=20, wrap_up_seconds=30))
    for n in (1, 2):
        queue.join("sales", NewEntry(call_sid=f"CA{n:032x}", caller=f"+1415555{n:04d}",
                                     dialled="+14155550100"))
    queue.set_agent_state("ann", AgentState.AVAILABLE, ["sales"])
    before = scrape()
    assert value(before, "ringback_queue_agents_available", queue="sales") == 1
    first = queue.offer_next("sales")
    assert first is not None
    assert value(scrape(), "ringback_queue_offered", queue="sales") == 1
    assert queue.decline("sales", first.entry_id, "ann")
    again = queue.offer_next("sales")
    assert again is not None and queue.accept("sales", again.entry_id, "ann")
    after = scrape()

    def delta(outcome: str) -> float:
        return value(after, "ringback_offers_total", queue="sales", outcome=outcome) - \
            value(before, "ringback_offers_total", queue="sales", outcome=outcome)

    assert (delta("made"), delta("declined"), delta("accepted"), delta("missed")) == (2, 1, 1, 0)


def test_no_phone_number_appears_in_the_scrape(client, signed, number):
    join_by_phone(signed, number)
    text = client.get("/metrics").get_data(as_text=True)
    for phone in (CALLER, BUSINESS):
        assert phone.lstrip("+") not in text


def test_without_a_token_only_this_host_may_scrape(client):
    assert client.get("/metrics").status_code == 200
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
    assert b"RINGBACK_METRICS_TOKEN" in remote.data
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


def test_with_a_token_a_scrape_must_send_it(settings, services):
    from dataclasses import replace

    from ringback.app import create_app

    token = "metrics-token-0123456789"
    with_token = settings.with_changes(metrics_token=token)
    app = create_app(with_token, replace(services, settings=with_token))
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401
    remote = client.get("/metrics", headers={"Authorization": f"Bearer {token}"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 200
    assert "ringback_live_state_up" in {name for name, _ in samples(remote.get_data(as_text=True))}


def test_a_scrape_without_redis_says_live_state_is_down_and_still_answers(settings, services):
    from dataclasses import replace

    import redis

    from ringback.app import create_app
    from tests.serve_process import free_port

    unreachable = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=2)
    app = create_app(settings, replace(services, redis=unreachable))
    answer = app.test_client().get("/metrics")
    assert answer.status_code == 200
    found = samples(answer.get_data(as_text=True))
    assert value(found, "ringback_live_state_up") == 0
    assert not [name for name, _ in found if name.startswith("ringback_queue_")]


def test_a_webhook_answered_by_an_app_wide_hook_is_not_timed_and_not_broken(app, client,
                                                                          scrape):
    from flask import Response, request

    app.before_request(lambda: Response("busy", 503) if request.path == "/twilio/voice"
                       else None)
    before = scrape()
    assert client.post("/twilio/voice", data={"CallSid": SID}).status_code == 503
    after = scrape()
    count = "ringback_webhook_seconds_count"
    assert value(after, count, route="twilio_incoming") == \
        value(before, count, route="twilio_incoming")
