"""An agent's own account: password change and sessions; the account settings page."""

from __future__ import annotations

from ringback.console.account_settings import (
    AccountSettingsStore,
    ResourceAvailability,
)
from ringback.console.audit import AuditLog
from ringback.tickets.sla import QueueSla
from tests.console.conftest import (
    AGENT_PASSWORD,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    form_post,
    log_in,
)


def test_changing_the_password_needs_the_current_one(app, owner_client):
    response = form_post(owner_client, "/console/account", "/console/account/password",
                         current_password="wrong-password", password="brand-new-password",
                         repeat="brand-new-password")
    assert response.status_code == 422
    assert "Is not your current password." in response.get_data(as_text=True)
    assert log_in(app.test_client(), OWNER_EMAIL, OWNER_PASSWORD).status_code == 302


def test_a_changed_password_ends_the_other_sessions_but_not_this_one(app, owner_client, services):
    other = app.test_client()
    log_in(other, OWNER_EMAIL, OWNER_PASSWORD)
    response = form_post(owner_client, "/console/account", "/console/account/password",
                         current_password=OWNER_PASSWORD, password="brand-new-password",
                         repeat="brand-new-password")
    assert response.status_code == 302
    page = owner_client.get("/console/account").get_data(as_text=True)
    assert "Your password is changed. 1 other session ended." in page
    assert other.get("/console/account").status_code == 302
    assert log_in(app.test_client(), OWNER_EMAIL, OWNER_PASSWORD).status_code == 401
    assert log_in(app.test_client(), OWNER_EMAIL, "brand-new-password").status_code == 302
    entry = AuditLog(services.db, services.clock).page()[0]
    assert (entry.action, entry.target) == ("account.password_changed", OWNER_EMAIL)


def test_wrong_current_passwords_count_towards_the_lock_out(app, owner_client):
    for _ in range(5):
        last = form_post(owner_client, "/console/account", "/console/account/password",
                         current_password="wrong-password", password="brand-new-password",
                         repeat="brand-new-password")
    assert last.status_code == 422
    assert "Was wrong too often; try again in 15 minutes." in last.get_data(as_text=True)
    assert log_in(app.test_client(), OWNER_EMAIL, OWNER_PASSWORD).status_code == 429
    # The lock holds at this client only: the owner elsewhere still logs in.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert log_in(elsewhere, OWNER_EMAIL, OWNER_PASSWORD).status_code == 302


def test_the_sessions_table_marks_this_session_and_ends_all_others(app, owner_client):
    other = app.test_client()
    log_in(other, OWNER_EMAIL, OWNER_PASSWORD)
    page = owner_client.get("/console/account").get_data(as_text=True)
    assert page.count("This session") == 1
    response = form_post(owner_client, "/console/account", "/console/account/sessions/end-others")
    assert response.status_code == 302
    assert other.get("/console/").status_code == 302
    assert owner_client.get("/console/").status_code == 200


def test_ending_this_session_logs_out(owner_client, session_store, owner):
    [mine] = session_store.for_agent(owner.id)
    response = form_post(owner_client, "/console/account",
                         f"/console/account/sessions/{mine.id}/end")
    assert response.headers["Location"] == "/console/login?notice=session_ended"
    assert owner_client.get("/console/").status_code == 302


def test_account_settings_start_with_their_defaults(services):
    current = AccountSettingsStore(services.db, services.clock).current()
    assert current.multiple_slot_selection is True
    assert current.resource_availability is ResourceAvailability.ONLINE_BOOKING_HOURS


def test_an_admin_switches_the_booking_settings_and_the_change_is_audited(owner_client, services):
    page = owner_client.get("/console/settings").get_data(as_text=True)
    assert 'name="multiple_slot_selection" checked' in page
    response = form_post(owner_client, "/console/settings",
                         resource_availability="working_hours")  # box left unticked
    assert response.status_code == 302
    current = AccountSettingsStore(services.db, services.clock).current()
    assert current.multiple_slot_selection is False
    assert current.resource_availability is ResourceAvailability.WORKING_HOURS
    [entry] = AuditLog(services.db, services.clock).page()
    assert entry.action == "settings.changed"
    assert entry.details == {"multiple_slot_selection": False,
                             "resource_availability": "working_hours"}
    again = form_post(owner_client, "/console/settings", multiple_slot_selection="on",
                      resource_availability="working_hours")
    assert again.status_code == 302
    assert AccountSettingsStore(services.db, services.clock).current().multiple_slot_selection


def test_an_unknown_availability_is_refused_and_nothing_changes(owner_client, services):
    response = form_post(owner_client, "/console/settings", multiple_slot_selection="on",
                         resource_availability="always")
    assert response.status_code == 422
    assert "Must be one of online_booking_hours, working_hours." in response.get_data(
        as_text=True)
    assert AccountSettingsStore(services.db, services.clock).current().resource_availability is (
        ResourceAvailability.ONLINE_BOOKING_HOURS)


def test_custom_agents_do_not_reach_the_settings(app, owner, people):
    people.agent("ana@example.com", permissions=list(
        ["live_queue", "callbacks", "numbers", "agents", "reports", "bookings", "tickets"]))
    ana = app.test_client()
    log_in(ana, "ana@example.com", AGENT_PASSWORD)
    assert ana.get("/console/settings").status_code == 403


def test_an_agent_with_tickets_chooses_their_ticket_queues(app, owner, people, services):
    services.numbers.put("+4930123456", {"queue_id": "support"})
    services.queue_slas.put("billing", QueueSla.from_json({"first_response_minutes": 30}))
    agent = people.agent("tina@example.com", permissions=["tickets"])
    client = app.test_client()
    assert log_in(client, "tina@example.com", AGENT_PASSWORD).status_code == 302
    page = client.get("/console/account").get_data(as_text=True)
    assert "My ticket queues" in page
    assert 'value="support"' in page and 'value="billing"' in page
    saved = form_post(client, "/console/account", "/console/account/ticket-queues",
                      queues=["support"])
    assert saved.status_code == 302
    assert services.my_queues.of(agent.id) == ["support"]
    page = client.get("/console/account").get_data(as_text=True)
    assert "Your ticket queues are saved." in page
    assert 'value="support" checked' in page and 'value="billing" checked' not in page
    refused = form_post(client, "/console/account", "/console/account/ticket-queues",
                        queues=["no such queue!"])
    assert refused.status_code == 422
    assert services.my_queues.of(agent.id) == ["support"]


def test_an_agent_without_tickets_has_no_ticket_queues(app, owner, people):
    people.agent("carl@example.com", permissions=["callbacks"])
    client = app.test_client()
    log_in(client, "carl@example.com", AGENT_PASSWORD)
    assert "My ticket queues" not in client.get("/console/account").get_data(as_text=True)
    refused = form_post(client, "/console/account", "/console/account/ticket-queues",
                        queues=["support"])
    assert refused.status_code == 403
