"""The queues pages: the form stores exactly what ``PUT /api/v1/queues/<id>`` does,
with the API's messages at the fields they name; every change is audited; only
agents with the numbers permission (the API's) get in."""

from __future__ import annotations

import html

from ringback.console.audit import AuditLog
from ringback.console.queue_form import form_of, read_form
from ringback.numbers import NumberDirectory
from ringback.queue.models import Intent, QueueSettings
from tests.console.conftest import AGENT_PASSWORD, csrf_from, log_in

BUSINESS = "+4930123456"
TUNED = QueueSettings(max_size=40, max_wait_seconds=600, offer_timeout_seconds=25,
                      wrap_up_seconds=10, priorities={Intent.BOOKING: 60})


def fields_of(queue_id: str, settings: QueueSettings) -> dict[str, str]:
    """The fields a browser posts for the form showing ``settings`` unchanged."""
    form = form_of(queue_id, settings)
    posted = dict(form.limits)
    posted.update({f"priorities.{i.value}": form.priority(i.value) for i in Intent})
    return posted


def post_form(client, path: str, fields: dict[str, str]):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(page), **fields})


def audit(services):
    return AuditLog(services.db, services.clock).page()


def test_every_setting_survives_the_form_unchanged():
    _, body = read_form(fields_of("support", TUNED), queue_id="support")
    assert QueueSettings.from_json(body) == TUNED


def test_the_list_shows_the_queues_numbers_name_and_default_with_defaults_marked(
        owner_client, services):
    NumberDirectory(services.db, services.redis).put(BUSINESS, {
        "queue_id": "support",
        "greetings": {"menu": {"text": "Press 1 for appointments."}},
        "menu": [{"digit": "1", "action": "queue", "queue_id": "bookings",
                  "intent": "booking"}],
    })
    services.queue.configure("support", TUNED)

    page = owner_client.get("/console/queues").get_data(as_text=True)

    for queue_id in ("bookings", "default", "support"):
        assert f'href="/console/queues/{queue_id}"' in page, queue_id
    rows = {row.split('aria-label="Edit queue ')[1].split('"')[0]: row
            for row in page.split("<tr>")[2:]}
    assert list(rows) == ["bookings", "default", "support"]
    assert BUSINESS in rows["support"] and BUSINESS in rows["bookings"]
    assert "25 s</td>" in rows["support"]  # the stored offer timeout, not marked default
    assert "60</td>" in rows["support"]  # the booking priority
    assert "20 s <span" in rows["default"] and "(default)" in rows["default"]
    assert rows["support"].count("(default)") == 3  # general, ticket and problem priorities


def test_a_change_is_stored_audited_and_announced(owner_client, services, owner):
    services.queue.configure("support", TUNED)
    fields = fields_of("support", TUNED)
    fields.update({"offer_timeout_seconds": "45", "priorities.ticket": "80"})

    response = post_form(owner_client, "/console/queues/support", fields)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/queues/support")
    stored = services.queue.settings("support")
    assert stored.offer_timeout_seconds == 45
    assert dict(stored.priorities) == {Intent.BOOKING: 60, Intent.TICKET: 80}
    (entry,) = audit(services)
    assert (entry.action, entry.target, entry.actor_label) == (
        "queue.changed", "support", owner.email)
    assert entry.details == {"offer_timeout_seconds": 45, "priorities.ticket": 80}
    page = owner_client.get("/console/queues/support").get_data(as_text=True)
    assert "Saved: queue support" in page
    assert 'id="offer_timeout_seconds"' in page and 'value="45"' in page


def test_emptied_fields_take_the_defaults_and_drop_the_priority_rule(owner_client, services):
    services.queue.configure("support", TUNED)
    fields = fields_of("support", TUNED)
    fields.update({"max_size": "", "priorities.booking": ""})

    assert post_form(owner_client, "/console/queues/support", fields).status_code == 302

    stored = services.queue.settings("support")
    assert stored.max_size == QueueSettings().max_size
    assert dict(stored.priorities) == {}
    assert stored.offer_timeout_seconds == TUNED.offer_timeout_seconds
    (entry,) = audit(services)
    assert entry.details == {"max_size": 500, "priorities.booking": None}


def test_saving_the_form_unchanged_changes_nothing_and_records_nothing(
        owner_client, services):
    services.queue.configure("support", TUNED)
    response = post_form(owner_client, "/console/queues/support", fields_of("support", TUNED))
    assert response.status_code == 302
    assert services.queue.settings("support") == TUNED
    assert audit(services) == []
    assert "Nothing changed." in owner_client.get("/console/queues").get_data(as_text=True)


BROKEN = {
    "max_size": "0",
    "max_wait_seconds": "600",
    "offer_timeout_seconds": "soon",
    "wrap_up_seconds": "-1",
    "priorities.general": "",
    "priorities.booking": "100",
    "priorities.ticket": "1.5",
}


def test_wrong_settings_get_the_apis_messages_at_their_fields_and_nothing_is_stored(
        owner_client, client, owner_headers, services):
    services.queue.configure("support", TUNED)
    _, body = read_form(BROKEN, queue_id="support")
    api = client.put("/api/v1/queues/support", json=body, headers=owner_headers)
    assert api.status_code == 422
    api_errors = api.get_json()["errors"]
    assert set(api_errors) == {"max_size", "offer_timeout_seconds", "wrap_up_seconds",
                               "priorities.booking", "priorities.ticket"}

    response = post_form(owner_client, "/console/queues/support", BROKEN)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name, rule in api_errors.items():
        message = html.escape(rule[:1].upper() + rule[1:])
        assert f'id="{name}-error">{message}.</p>' in page, name
    assert 'value="soon"' in page and 'value="1.5"' in page  # what was typed, shown again
    assert "5 settings need a change; nothing was saved." in page
    assert services.queue.settings("support") == TUNED
    assert audit(services) == []


def test_a_post_without_the_csrf_token_is_refused_and_nothing_is_stored(
        owner_client, services):
    services.queue.configure("support", TUNED)
    fields = {**fields_of("support", TUNED), "offer_timeout_seconds": "45"}

    response = owner_client.post("/console/queues/support", data=fields)

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert services.queue.settings("support") == TUNED
    assert audit(services) == []


def test_an_agent_without_the_numbers_permission_gets_403_and_changes_nothing(
        app, services, people):
    services.queue.configure("support", TUNED)
    people.agent("ana@example.com", permissions=["live_queue", "callbacks", "reports"])
    browser = app.test_client()
    log_in(browser, "ana@example.com", AGENT_PASSWORD)
    home = browser.get("/console/account").get_data(as_text=True)
    assert 'href="/console/queues"' not in home  # no menu entry either
    for path in ("/console/queues", "/console/queues/support"):
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "needs the Numbers permission" in response.get_data(as_text=True)
    refused = browser.post("/console/queues/support",
                           data={"csrf_token": csrf_from(home), "offer_timeout_seconds": "45"})
    assert refused.status_code == 403
    assert services.queue.settings("support") == TUNED
    assert audit(services) == []


def test_an_agent_with_only_the_numbers_permission_finds_queues_in_the_admin_menu(
        app, people):
    people.agent("nina@example.com", permissions=["numbers"])
    browser = app.test_client()
    log_in(browser, "nina@example.com", AGENT_PASSWORD)
    page = browser.get("/console/queues").get_data(as_text=True)
    admin_menu = page.split('id="nav-admin"')[1].split("</ul>")[0]
    assert '<a href="/console/queues" aria-current="page">Queues</a>' in admin_menu
    assert admin_menu.index("Numbers") < admin_menu.index("Queues")


def test_a_queue_no_number_names_opens_by_id_and_stays_listed_once_changed(
        owner_client, services):
    assert "/console/queues/overflow" not in owner_client.get("/console/queues").get_data(
        as_text=True)
    opened = owner_client.get("/console/queues?queue_id=overflow")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/console/queues/overflow")
    form = owner_client.get("/console/queues/overflow").get_data(as_text=True)
    assert 'id="max_size"' in form and f'value="{QueueSettings().max_size}"' in form

    fields = {**fields_of("overflow", QueueSettings()), "wrap_up_seconds": "0"}
    assert post_form(owner_client, "/console/queues/overflow", fields).status_code == 302

    assert services.queue.settings("overflow").wrap_up_seconds == 0
    listed = owner_client.get("/console/queues").get_data(as_text=True)
    assert 'aria-label="Edit queue overflow"' in listed


def test_a_bad_queue_id_is_refused_by_the_numbers_rule(owner_client):

    refused = owner_client.get("/console/queues?queue_id=sup+port")
    assert refused.status_code == 422
    assert 'id="queue_id-error">Must be 1 to 64 letters, digits,' in (
        refused.get_data(as_text=True))
    assert owner_client.get("/console/queues/sup%20port").status_code == 404


def test_a_queue_configured_only_through_the_api_is_listed(owner_client, client,
                                                          owner_headers):
    put = client.put("/api/v1/queues/night-shift", json={"max_size": 7}, headers=owner_headers)
    assert put.status_code == 200
    listed = owner_client.get("/console/queues").get_data(as_text=True)
    assert 'aria-label="Edit queue night-shift"' in listed
