"""The Settings page's ticket system choice and the Admin helpdesk outbox page."""

from __future__ import annotations

import socket

import pytest

from tests.console.conftest import AGENT_PASSWORD, form_post, log_in

BOOKINGS = {"multiple_slot_selection": "on", "resource_availability": "online_booking_hours",
            "default_language": ""}


@pytest.fixture
def settings(settings):
    with socket.socket() as sock:  # a Zendesk that is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return settings.with_changes(zendesk_url=f"http://127.0.0.1:{port}",
                                 zendesk_email="bot@example.com", zendesk_token="zd-token")


def test_only_configured_systems_are_offered_and_the_choice_is_kept(owner_client, services):
    page = owner_client.get("/console/settings").get_data(as_text=True)
    assert '<option value="zendesk"' in page and 'value="znuny"' not in page
    refused = form_post(owner_client, "/console/settings", **BOOKINGS, ticket_system="znuny")
    assert refused.status_code == 422 and services.helpdesk_outbox.chosen() == "builtin"
    saved = form_post(owner_client, "/console/settings", **BOOKINGS, ticket_system="zendesk")
    assert saved.status_code == 302 and services.helpdesk_outbox.chosen() == "zendesk"


def test_failed_rows_show_their_last_error_and_retry_now(owner_client, services, clock):
    box = services.helpdesk_outbox
    box.choose("zendesk")
    services.ticket_sink.create_ticket(
        idempotency_key="callback:sales:9", subject="Callback", requester="+442071838750",
        description="Expired.")
    row = box.unsent()[0]
    assert not box.deliver(row.id)
    page = owner_client.get("/console/helpdesk-outbox").get_data(as_text=True)
    assert "callback:sales:9" in page and "connection failed" in page and "Retry now" in page
    assert box.due() == []
    response = form_post(owner_client, "/console/helpdesk-outbox",
                         f"/console/helpdesk-outbox/{row.id}/retry")
    assert response.status_code == 302
    assert [r for r, _ in box.due()] == [row.id]


def test_agents_do_not_see_the_helpdesk_outbox(app, people):
    people.agent("ana@example.com", permissions=["tickets"])
    client = app.test_client()
    assert log_in(client, "ana@example.com", AGENT_PASSWORD).status_code == 302
    assert client.get("/console/helpdesk-outbox").status_code in (403, 404)
