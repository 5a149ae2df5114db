"""The numbers pages: the form shows and stores exactly what the numbers API does,
with the API's messages at the fields they name; every change is audited; only
agents with the numbers permission get in."""

from __future__ import annotations

from ringback.agents import AgentDirectory
from ringback.console.audit import AuditLog
from ringback.console.number_form import form_of, read_form
from ringback.ivr.config import NumberConfig
from ringback.numbers import NumberDirectory
from tests.conftest import OWNER_TOKEN
from tests.console.conftest import AGENT_PASSWORD, csrf_from, log_in

BUSINESS = "+4930123456"
FULL = {
    "line_type": "phone",
    "language": "de",
    "queue_id": "support",
    "greetings": {
        "welcome": {"text": "Willkommen bei Beispiel."},
        "menu": {"text": "Für Termine drücken Sie die 1, für Öffnungszeiten die 2."},
        "hold": None,
        "callback_offer": {"text": "Drücken Sie die 1 für einen Rückruf."},
        "callback_confirmation": {"audio_url": "https://cdn.example.com/bye.mp3"},
    },
    "menu": [
        {"digit": "1", "action": "queue", "queue_id": "bookings", "intent": "booking"},
        {"digit": "2", "action": "message", "message": {"text": "Wir sind immer da."}},
        {"digit": "3", "action": "queue", "queue_id": None, "intent": "ticket"},
        {"digit": "*", "action": "message",
         "message": {"audio_url": "https://media.example.org:8443/hours.mp3"}},
    ],
    "callback": {"enabled": True, "allowed_countries": ["DE", "AT"]},
    "max_wait_seconds": 600,
    "overflow": {"kind": "voicemail", "message": {"text": "Bitte sprechen Sie."}},
    "announce_every_seconds": None,
    "hold_music_url": "https://cdn.example.com/hold.mp3",
}


def directory(services) -> NumberDirectory:
    return NumberDirectory(services.db, services.redis)


def fields_of(config: NumberConfig) -> dict[str, object]:
    """The fields a browser posts for the form showing ``config`` unchanged."""
    form = form_of(config)
    posted: dict[str, object] = {
        "line_type": form.line_type, "language": form.language, "queue_id": form.queue_id,
        "callback.allowed_countries": form.allowed_countries,
        "max_wait_seconds": form.max_wait_seconds, "overflow.kind": form.overflow_kind,
        "overflow.message.text": form.overflow_message["text"],
        "overflow.message.audio_url": form.overflow_message["audio_url"],
        "announce_every_seconds": form.announce_every_seconds,
        "hold_music_url": form.hold_music_url,
    }
    if form.callback_enabled:
        posted["callback.enabled"] = "on"
    for name, greeting in form.greetings.items():
        posted[f"greetings.{name}.text"] = greeting["text"]
        posted[f"greetings.{name}.audio_url"] = greeting["audio_url"]
    for i, row in form.rows():
        posted.update({f"menu.{i}.digit": row.digit, f"menu.{i}.action": row.action,
                       f"menu.{i}.queue_id": row.queue_id, f"menu.{i}.intent": row.intent,
                       f"menu.{i}.message.text": row.message_text,
                       f"menu.{i}.message.audio_url": row.message_audio_url})
    return posted


def post_form(client, path: str, fields: dict[str, object]):
    html = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(html), **fields})


def test_every_setting_survives_the_form_unchanged():
    config = NumberConfig.from_json(BUSINESS, FULL)
    submitted = read_form(fields_of(config), e164=BUSINESS)
    assert NumberConfig.from_json(BUSINESS, submitted.payload) == config


def test_saving_the_form_unchanged_changes_nothing_and_records_nothing(
        owner_client, services):
    directory(services).put(BUSINESS, FULL)
    response = post_form(owner_client, f"/console/numbers/{BUSINESS}",
                         fields_of(directory(services).get(BUSINESS)))
    assert response.status_code == 302
    assert directory(services).get(BUSINESS).to_json()["greetings"] == FULL["greetings"]
    assert AuditLog(services.db, services.clock).page() == []
    assert "Nothing changed." in owner_client.get("/console/numbers").get_data(as_text=True)


def test_a_change_is_stored_through_the_directory_and_audited(owner_client, services, owner):
    directory(services).put(BUSINESS, FULL)
    fields = fields_of(directory(services).get(BUSINESS))
    fields["greetings.hold.text"] = "Bitte bleiben Sie dran."
    fields["max_wait_seconds"] = ""  # no limit

    response = post_form(owner_client, f"/console/numbers/{BUSINESS}", fields)

    assert response.status_code == 302
    stored = directory(services).find(BUSINESS)  # the webhooks' cached read sees it
    assert stored.greetings.hold.text == "Bitte bleiben Sie dran."
    assert stored.max_wait_seconds is None
    (entry,) = AuditLog(services.db, services.clock).page()
    assert (entry.action, entry.target, entry.actor_label) == (
        "number.changed", BUSINESS, owner.email)
    assert entry.details == {"greetings": {**FULL["greetings"],
                                           "hold": {"text": "Bitte bleiben Sie dran."}},
                             "max_wait_seconds": None}


BROKEN = {
    "queue_id": "sup port",
    "greetings.welcome.text": "Hallo",
    "greetings.welcome.audio_url": "https://cdn.example.com/hallo.mp3",
    "greetings.hold.audio_url": "ftp://cdn.example.com/hold.mp3",
    "menu.0.digit": "#",
    "menu.1.digit": "1", "menu.1.action": "message",
    "callback.enabled": "on", "line_type": "digital",
    "callback.allowed_countries": "DE, XX",
    "max_wait_seconds": "ten",
    "announce_every_seconds": "5",
    "overflow.kind": "message",
}


def test_wrong_settings_get_the_apis_messages_at_their_fields_and_nothing_is_stored(
        owner_client, client, owner_headers, services):
    directory(services).put(BUSINESS, {"queue_id": "support"})
    before = directory(services).get(BUSINESS)
    submitted = read_form(BROKEN, e164=BUSINESS)
    api = client.put(f"/api/v1/numbers/{BUSINESS}", json=submitted.payload,
                     headers=owner_headers)
    assert api.status_code == 422
    api_errors = api.get_json()["errors"]

    response = post_form(owner_client, f"/console/numbers/{BUSINESS}", BROKEN)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    shown = submitted.field_errors(api_errors)
    assert shown["callback.allowed_countries"] == (
        "XX must be an ISO 3166-1 alpha-2 country code such as DE")
    assert shown["menu.1.message.text"] == api_errors["menu.1.message.text"]
    for name, rule in shown.items():
        message = (rule[:1].upper() + rule[1:]).replace("'", "&#39;")
        assert f'id="{name}-error">{message}.</p>' in page, name
    assert 'value="sup port"' in page  # what was typed is shown again
    assert directory(services).get(BUSINESS) == before


def test_a_new_number_is_created_and_audited(owner_client, services):
    response = post_form(owner_client, "/console/numbers/new",
                         {"e164": BUSINESS, "queue_id": "sales", "callback.enabled": "on",
                          "line_type": "phone", "overflow.kind": "message",
                          "max_wait_seconds": "900", "announce_every_seconds": "60"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/numbers/{BUSINESS}")
    created = directory(services).get(BUSINESS)
    assert created.queue_id == "sales" and created.callback.allowed_countries == ("DE",)
    (entry,) = AuditLog(services.db, services.clock).page()
    assert (entry.action, entry.details["queue_id"]) == ("number.created", "sales")


def test_a_number_cannot_be_added_twice_or_with_a_bad_e164(owner_client, services):
    directory(services).put(BUSINESS, {"queue_id": "support"})
    again = post_form(owner_client, "/console/numbers/new", {"e164": BUSINESS})
    assert again.status_code == 422
    assert "Is configured already" in again.get_data(as_text=True)
    bad = post_form(owner_client, "/console/numbers/new", {"e164": "030 123456"})
    assert bad.status_code == 422 and 'id="e164-error"' in bad.get_data(as_text=True)
    assert directory(services).get(BUSINESS).queue_id == "support"


def test_removing_a_number_needs_the_box_ticked_and_is_audited(owner_client, services):
    directory(services).put(BUSINESS, {"queue_id": "support"})
    path = f"/console/numbers/{BUSINESS}"
    html = owner_client.get(path).get_data(as_text=True)
    refused = owner_client.post(f"{path}/remove", data={"csrf_token": csrf_from(html)})
    assert refused.status_code == 422 and directory(services).find(BUSINESS) is not None

    removed = owner_client.post(f"{path}/remove",
                                data={"csrf_token": csrf_from(html), "confirm": "yes"})

    assert removed.status_code == 302 and directory(services).find(BUSINESS) is None
    assert AuditLog(services.db, services.clock).page()[0].action == "number.removed"
    assert owner_client.get(path).status_code == 404


def test_recordings_get_a_listen_preview_allowed_by_the_pages_csp(owner_client, services):
    directory(services).put(BUSINESS, FULL)
    response = owner_client.get(f"/console/numbers/{BUSINESS}")
    page = response.get_data(as_text=True)
    assert '<audio controls preload="none" src="https://cdn.example.com/bye.mp3"' in page
    assert 'src="https://media.example.org:8443/hours.mp3"' in page
    policy = response.headers["Content-Security-Policy"]
    assert policy.endswith(
        "; media-src 'self' https://cdn.example.com https://media.example.org:8443")
    assert "script-src" not in policy  # scripts stay 'self' only (default-src)
    other = owner_client.get("/console/numbers").headers["Content-Security-Policy"]
    assert "media-src" not in other


def test_the_greetings_show_the_shipped_prompt_in_the_numbers_language(
        owner_client, services):
    directory(services).put(BUSINESS, {"queue_id": "support", "language": "fr"})
    page = owner_client.get(f"/console/numbers/{BUSINESS}").get_data(as_text=True)
    assert "callers hear the shipped prompt in French" in page


def test_an_agent_without_the_numbers_permission_gets_403_and_changes_nothing(
        app, services, people):
    directory(services).put(BUSINESS, {"queue_id": "support"})
    people.agent("ana@example.com", permissions=["live_queue", "callbacks", "reports"])
    client = app.test_client()
    log_in(client, "ana@example.com", AGENT_PASSWORD)
    token = csrf_from(client.get("/console/account").get_data(as_text=True))
    for path in ("/console/numbers", f"/console/numbers/{BUSINESS}", "/console/numbers/new"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "needs the Numbers permission" in response.get_data(as_text=True)
    for path in (f"/console/numbers/{BUSINESS}", f"/console/numbers/{BUSINESS}/remove",
                 "/console/numbers/new"):
        response = client.post(path, data={"csrf_token": token, "e164": "+4940123456",
                                           "queue_id": "taken", "confirm": "yes"})
        assert response.status_code == 403, path
    assert [c.queue_id for c in directory(services).all()] == ["support"]


def test_an_agent_with_only_the_numbers_permission_gets_in_and_the_api_agrees(
        app, client, services, people):
    ana = people.agent("ana@example.com", permissions=["numbers"])
    ben = people.agent("ben@example.com", permissions=["live_queue"])
    browser = app.test_client()
    log_in(browser, "ana@example.com", AGENT_PASSWORD)
    assert browser.get("/console/numbers").status_code == 200
    tokens = AgentDirectory(services.db)
    for agent, status in ((ana, 200), (ben, 403)):
        token = tokens.issue_token(agent.id)
        answer = client.get("/api/v1/numbers", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == status
    assert client.get("/api/v1/numbers",
                      headers={"Authorization": f"Bearer {OWNER_TOKEN}"}).status_code == 200
