"""The Settings page's "Default language": the environment's value until an admin
overrides it; every process follows; callers' and agents' defaults change with it."""

from __future__ import annotations

import re

from ringback.console.account_settings import AccountSettingsStore, ResourceAvailability
from ringback.console.audit import AuditLog
from ringback.numbers import NumberDirectory
from tests.console.conftest import form_post

BOOKINGS = {"multiple_slot_selection": "on", "resource_availability": "online_booking_hours"}


def selected(page: str) -> str:
    """The value of the selected option of the Default language select."""
    select = re.search(r'<select id="default_language".*?</select>', page, re.S)
    assert select, "the page has no Default language select"
    found = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    assert found, "no option is selected"
    return found.group(1)


def another_process(services) -> NumberDirectory:
    return NumberDirectory(services.db, services.redis,
                           default_language=services.settings.default_language)


def test_the_settings_page_starts_with_the_environments_language(owner_client):
    page = owner_client.get("/console/settings").get_data(as_text=True)

    assert selected(page) == ""
    assert "As the environment says (en)" in page
    for option in ('value="de">German (de)', 'value="en">English (en)',
                   'value="fr">French (fr)'):
        assert option in page


def test_an_admin_sets_the_default_language_and_the_change_is_audited(owner_client, services):
    response = form_post(owner_client, "/console/settings", **BOOKINGS, default_language="de")

    assert response.status_code == 302
    page = owner_client.get("/console/settings").get_data(as_text=True)
    assert "Settings saved." in page
    assert selected(page) == "de"
    assert another_process(services).current_default_language() == "de"
    [entry] = AuditLog(services.db, services.clock).page()
    assert (entry.action, entry.target) == ("settings.changed", "account settings")
    assert entry.details == {"default_language": "de"}


def test_choosing_the_environment_again_clears_the_override(owner_client, services):
    form_post(owner_client, "/console/settings", **BOOKINGS, default_language="fr")

    response = form_post(owner_client, "/console/settings", **BOOKINGS, default_language="")

    assert response.status_code == 302
    assert services.numbers.stored_default_language() is None
    assert another_process(services).current_default_language() == "en"
    latest = AuditLog(services.db, services.clock).page()[0]
    assert latest.details == {"default_language": None}


def test_saving_the_same_language_again_records_nothing(owner_client, services):
    form_post(owner_client, "/console/settings", **BOOKINGS, default_language="de")

    form_post(owner_client, "/console/settings", **BOOKINGS, default_language="de")

    assert "Nothing changed." in owner_client.get("/console/settings").get_data(as_text=True)
    assert len(AuditLog(services.db, services.clock).page()) == 1


def test_a_language_without_prompts_is_refused_and_nothing_is_stored(owner_client, services):
    response = form_post(owner_client, "/console/settings", resource_availability="working_hours",
                         default_language="es")  # the booking change is valid, but not stored

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ('<p class="field-error" id="default_language-error">Must be one of de, en, fr, '
            "or empty for the environment&#39;s value.</p>") in page
    assert 'aria-describedby="default_language-error"' in page
    assert services.numbers.stored_default_language() is None
    current = AccountSettingsStore(services.db, services.clock).current()
    assert current.multiple_slot_selection is True
    assert current.resource_availability is ResourceAvailability.ONLINE_BOOKING_HOURS
    assert AuditLog(services.db, services.clock).page() == []


def test_both_bad_fields_are_named_at_once(owner_client, services):
    response = form_post(owner_client, "/console/settings", resource_availability="always",
                         default_language="klingon")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="default_language-error"' in page
    assert 'id="resource_availability-error"' in page
    assert services.numbers.stored_default_language() is None


def test_the_numbers_pages_name_the_console_default(owner_client, services):
    form_post(owner_client, "/console/settings", **BOOKINGS, default_language="de")

    listing = owner_client.get("/console/numbers").get_data(as_text=True)
    form = owner_client.get("/console/numbers/new").get_data(as_text=True)

    assert "Numbers without their own language speak de, the account's default." in listing
    assert "Empty: the account's default (de)." in form
    assert "callers hear the shipped prompt in German" in form
