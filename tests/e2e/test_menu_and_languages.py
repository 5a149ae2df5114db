"""Answering a call: the menu, unknown numbers and the language of every prompt."""

from __future__ import annotations

import dataclasses

import pytest

from ringback.app import create_app
from ringback.ivr.prompts import PromptKey
from ringback.queue.models import EntryKind, EventType, Intent
from ringback.terminal_phone import TerminalPhone
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE, event_types, text
from tests.live_server import LiveServer

MENU = {
    "greetings": {"menu": {"text": "For bookings press 1. For opening hours press 2."}},
    "menu": [
        {"digit": "1", "action": "queue", "queue_id": "bookings", "intent": "booking"},
        {"digit": "2", "action": "message", "message": {"text": "We are open all day."}},
    ],
}


def test_a_menu_key_puts_the_caller_into_its_queue_with_its_intent(configure, phone, services):
    configure(**MENU)
    call = phone.dial(BUSINESS, CALLER)
    assert call.said() == [text(PromptKey.WELCOME), MENU["greetings"]["menu"]["text"]]

    call.press("2")
    assert call.said()[-2:] == ["We are open all day.", MENU["greetings"]["menu"]["text"]]
    call.press("1")

    assert [h.kind for h in call.heard].count("enqueue") == 1
    (entry,) = services.queue.entries("bookings")
    assert (entry.call_sid, entry.intent, entry.caller, entry.dialled) == (
        call.call_sid, Intent.BOOKING, CALLER, BUSINESS)
    assert services.queue.entries(QUEUE) == []


def test_missing_or_wrong_keys_reprompt_three_times_then_take_the_default_route(
    configure, phone, services
):
    configure(**MENU)
    call = phone.dial(BUSINESS, CALLER)
    menu_text = MENU["greetings"]["menu"]["text"]

    call.press(None)
    assert call.said()[-2:] == [text(PromptKey.MENU_NO_INPUT), menu_text]
    call.press("9")
    assert call.said()[-2:] == [text(PromptKey.MENU_INVALID), menu_text]
    call.press("#*")  # garbage
    assert call.said()[-2:] == [text(PromptKey.MENU_INVALID), menu_text]
    assert services.queue.size(QUEUE) == 0
    call.press(None)

    assert text(PromptKey.MENU_DEFAULT_ROUTE) in call.said()
    assert call.said().count(menu_text) == 4
    (entry,) = services.queue.entries(QUEUE)
    assert (entry.call_sid, entry.intent, entry.kind) == (
        call.call_sid, Intent.GENERAL, EntryKind.LIVE)


def test_an_unknown_number_says_it_is_not_in_service_and_hangs_up(configure, phone, services):
    configure()
    call = phone.dial("+4930999999", CALLER)

    assert call.ended
    assert call.said() == [text(PromptKey.UNKNOWN_NUMBER)]
    assert [h.kind for h in call.heard] == ["say", "hangup"]
    assert services.queue.size(QUEUE) == 0


@pytest.mark.parametrize(
    ("language", "say_language", "words"),
    [("de", "de-DE", "willkommen"), ("fr", "fr-FR", "bienvenue")],
)
def test_a_number_in_german_or_french_speaks_every_prompt_in_its_language(
    configure, phone, services, language, say_language, words
):
    configure(language=language)
    call = phone.dial(BUSINESS, CALLER)
    call.press("2")
    call.press("0301#")
    call.press("03012345678#")
    call.press("1")

    assert call.ended
    assert words in call.said()[0].lower()
    expected = [
        text(PromptKey.WELCOME, language),
        text(PromptKey.HOLD, language),
        text(PromptKey.POSITION_NEXT, language),
        text(PromptKey.CALLBACK_OFFER, language),
        text(PromptKey.ENTER_NUMBER, language),
        text(PromptKey.NUMBER_INVALID, language),
        text(PromptKey.CALLBACK_CONFIRMATION, language),
    ]
    for sentence in expected:
        assert sentence in call.said()
    assert {h.language for h in call.heard if h.kind == "say"} == {say_language}
    assert services.queue.entries(QUEUE)[0].language == language


def test_a_language_without_prompts_falls_back_to_english(configure, phone, services):
    configure(language="es")
    call = phone.dial(BUSINESS, CALLER)

    assert call.said()[0] == text(PromptKey.WELCOME, "en")
    assert text(PromptKey.CALLBACK_OFFER, "en") in call.said()
    assert {h.language for h in call.heard if h.kind == "say"} == {"en-US"}
    assert services.queue.entries(QUEUE)[0].language == "en"


@pytest.mark.parametrize(("account_default", "spoken"), [("fr", "fr"), ("es", "en")])
def test_a_number_without_a_language_speaks_the_account_default_else_english(
    settings, services, client, owner_headers, account_default, spoken
):
    own_settings = settings.with_changes(default_language=account_default)
    own_services = dataclasses.replace(services, settings=own_settings)
    app = create_app(own_settings, own_services)
    response = client.put(f"/api/v1/numbers/{BUSINESS}", json={"queue_id": QUEUE},
                          headers=owner_headers)
    assert response.get_json()["language"] is None

    with LiveServer(app) as server:
        phone = TerminalPhone(server.url, auth_token=settings.webhook_auth_token,
                              public_url=settings.public_base_url)
        call = phone.dial(BUSINESS, CALLER)
        unknown = phone.dial("+4930999999", CALLER)

    assert call.said()[0] == text(PromptKey.WELCOME, spoken)
    assert text(PromptKey.CALLBACK_OFFER, spoken) in call.said()
    assert unknown.said() == [text(PromptKey.UNKNOWN_NUMBER, spoken)]
    assert event_types(services) == [EventType.JOINED]
