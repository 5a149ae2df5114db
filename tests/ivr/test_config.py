"""Number configuration: defaults, every rule, and the exact JSON round trip."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.errors import ValidationError
from ringback.ivr.config import (
    CallbackSettings,
    Greeting,
    Greetings,
    Intent,
    LineType,
    MenuAction,
    MenuOption,
    NumberConfig,
    Overflow,
    OverflowKind,
)
from tests.ivr.conftest import BUSINESS, berlin_payload


def errors_of(payload: Any, e164: str = BUSINESS) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        NumberConfig.from_json(e164, payload)
    return caught.value.errors


def test_empty_payload_is_a_working_phone_line_with_callbacks_home() -> None:
    cfg = NumberConfig.from_json(BUSINESS, {})
    assert cfg.e164 == BUSINESS
    assert cfg.line_type is LineType.PHONE
    assert cfg.language is None
    assert cfg.queue_id == "default"
    assert cfg.menu == ()
    assert cfg.greetings == Greetings()
    assert cfg.callback == CallbackSettings(enabled=True, allowed_countries=("DE",))
    assert cfg.offers_callback
    assert cfg.max_wait_seconds == 900
    assert cfg.overflow == Overflow(OverflowKind.MESSAGE, None)
    assert cfg.announce_every_seconds == 60
    assert cfg.hold_music_url is None
    assert cfg.region == "DE"


def test_digital_line_defaults_to_no_callbacks() -> None:
    cfg = NumberConfig.from_json(BUSINESS, {"line_type": "digital"})
    assert cfg.callback.enabled is False
    assert not cfg.offers_callback


def test_full_payload_is_read_into_values() -> None:
    cfg = NumberConfig.from_json(BUSINESS, berlin_payload())
    assert cfg.language == "de"
    assert cfg.queue_id == "support"
    assert cfg.greetings.welcome == Greeting(text="Willkommen bei Beispiel.")
    assert cfg.menu[0] == MenuOption("1", MenuAction.QUEUE, "bookings", Intent.BOOKING)
    assert cfg.menu[1] == MenuOption(
        "2", MenuAction.MESSAGE, message=Greeting(text="Wir sind immer da.")
    )
    # No queue named: the number's own queue, whatever it is renamed to later.
    assert cfg.menu[2] == MenuOption("3", MenuAction.QUEUE, None, Intent.TICKET)
    assert cfg.callback.allowed_countries == ("DE", "AT")
    assert cfg.option_for("2") is cfg.menu[1]
    assert cfg.option_for("9") is None


def test_digital_line_with_callbacks_enabled_is_refused_naming_the_rule() -> None:
    errors = errors_of({"line_type": "digital", "callback": {"enabled": True}})
    assert errors == {"callback.enabled": "a digital line never offers callbacks"}


def test_every_problem_is_reported_at_once() -> None:
    payload = {
        "line_type": "digital",
        "language": "english please",
        "queue_id": "{q:evil}",
        "greetings": {
            "welcome": {"audio_url": "ftp://example.com/hello.mp3"},
            "hold": {"text": "   "},
            "menu": {"text": "Press 1", "audio_url": "https://example.com/menu.mp3"},
            "goodbye": {"text": "Bye"},
        },
        "menu": [
            {"digit": "#", "action": "queue"},
            {"digit": "1", "action": "queue", "intent": "sales"},
            {"digit": "2", "action": "dance"},
            {"digit": "4", "action": "message"},
            {"digit": "5", "action": "message", "message": {"text": "Hi"}, "intent": "ticket"},
        ],
        "callback": {"enabled": True, "allowed_countries": ["DE", "XX", 7]},
        "max_wait_seconds": 5,
        "announce_every_seconds": "often",
        "overflow": {"kind": "shrug"},
        "hold_music_url": "javascript:alert(1)",
        "colour": "blue",
    }
    assert errors_of(payload) == {
        "colour": "is not a known field",
        "language": 'must be a language tag like "en", "de" or "fr-CH", or null',
        "queue_id": "must be 1 to 64 letters, digits, '-' or '_'",
        "greetings.goodbye": "is not a known field",
        "greetings.welcome.audio_url": "must be an http(s) URL",
        "greetings.menu": "must have either text or audio_url, not both",
        "greetings.hold.text": "must be non-empty text of at most 1000 characters",
        "menu.0.digit": "must be one key: 0-9 or *",
        "menu.1.intent": "must be one of general, booking, ticket, problem",
        "menu.2.action": "must be one of queue, message",
        "menu.3.message": "is required for a message action",
        "menu.4.intent": "is only for queue actions",
        "callback.enabled": "a digital line never offers callbacks",
        "callback.allowed_countries.1": "must be an ISO 3166-1 alpha-2 country code such as DE",
        "callback.allowed_countries.2": "must be an ISO 3166-1 alpha-2 country code such as DE",
        "max_wait_seconds": "must be a whole number of seconds from 30 to 86400, or null",
        "announce_every_seconds": "must be a whole number of seconds from 15 to 3600, or null",
        "overflow.kind": "must be one of message, voicemail",
        "hold_music_url": "must be an http(s) URL",
    }


def test_duplicate_menu_digit_names_the_first_user() -> None:
    payload = berlin_payload(
        menu=[
            {"digit": "1", "action": "queue"},
            {"digit": "1", "action": "queue", "intent": "ticket"},
        ]
    )
    assert errors_of(payload) == {"menu.1.digit": "is already used by menu.0"}


def test_menu_options_need_a_menu_greeting() -> None:
    payload = berlin_payload(greetings={}, menu=[{"digit": "1", "action": "queue"}])
    assert errors_of(payload) == {"greetings.menu": "is required when the menu has options"}


def test_a_broken_menu_greeting_is_reported_once() -> None:
    payload = berlin_payload(greetings={"menu": {"audio_url": "menu.mp3"}})
    assert errors_of(payload) == {"greetings.menu.audio_url": "must be an http(s) URL"}


def test_path_number_must_be_valid_e164() -> None:
    for bad in ("030123456", "+49301", "+49 30 123456", "+4930123456x", ""):
        assert errors_of({}, e164=bad) == {
            "e164": "must be a valid phone number in E.164 form, such as +493012345678"
        }


def test_body_number_must_match_the_path() -> None:
    assert errors_of({"e164": "+4940123456"}) == {"e164": "must match the number in the URL"}


def test_body_must_be_an_object_and_path_errors_still_reported() -> None:
    assert errors_of(["not", "an", "object"], e164="nope") == {
        "e164": "must be a valid phone number in E.164 form, such as +493012345678",
        "body": "must be a JSON object",
    }


def test_enabled_callbacks_need_a_country() -> None:
    errors = errors_of({"callback": {"enabled": True, "allowed_countries": []}})
    assert errors == {
        "callback.allowed_countries": "must name at least one country when callbacks are enabled"
    }


def test_booleans_are_not_numbers_and_strings_are_not_booleans() -> None:
    errors = errors_of({"max_wait_seconds": True, "callback": {"enabled": "yes"}})
    assert errors == {
        "max_wait_seconds": "must be a whole number of seconds from 30 to 86400, or null",
        "callback.enabled": "must be true or false",
    }


def test_country_and_language_case_is_normalised() -> None:
    cfg = NumberConfig.from_json(
        BUSINESS, {"language": "DE-at", "callback": {"allowed_countries": ["de", "AT", "de"]}}
    )
    assert cfg.language == "de-AT"
    assert cfg.callback.allowed_countries == ("DE", "AT")


def test_null_means_no_limit_and_announce_once() -> None:
    cfg = NumberConfig.from_json(
        BUSINESS, {"max_wait_seconds": None, "announce_every_seconds": None}
    )
    assert cfg.max_wait_seconds is None
    assert cfg.announce_every_seconds is None


def test_voicemail_overflow_with_recorded_message() -> None:
    cfg = NumberConfig.from_json(
        BUSINESS,
        {"overflow": {"kind": "voicemail", "message": {"audio_url": "https://x.example/vm.mp3"}}},
    )
    assert cfg.overflow == Overflow(
        OverflowKind.VOICEMAIL, Greeting(audio_url="https://x.example/vm.mp3")
    )


def test_to_json_is_canonical_and_round_trips_exactly() -> None:
    cfg = NumberConfig.from_json(BUSINESS, berlin_payload())
    document = cfg.to_json()
    assert json.loads(json.dumps(document)) == document
    again = NumberConfig.from_json(BUSINESS, copy.deepcopy(document))
    assert again == cfg
    assert again.to_json() == document
    assert document["menu"][2] == {
        "digit": "3",
        "action": "queue",
        "queue_id": None,
        "intent": "ticket",
    }


def test_config_values_are_frozen() -> None:
    cfg = NumberConfig.from_json(BUSINESS, {})
    with pytest.raises(AttributeError):
        cfg.queue_id = "other"  # type: ignore[misc]


# A generator of valid configurations, to check the round trip on many shapes.
texts = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=60
).filter(lambda t: t.strip())
audio_urls = st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9]{1,10}\.mp3", fullmatch=True)
greetings_values = st.one_of(
    st.none(),
    texts.map(lambda t: Greeting(text=t)),
    audio_urls.map(lambda u: Greeting(audio_url=u)),
)
some_greeting = greetings_values.filter(lambda g: g is not None)
queue_ids = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)


@st.composite
def menu_options(draw: st.DrawFn) -> tuple[MenuOption, ...]:
    keys = draw(st.lists(st.sampled_from("0123456789*"), unique=True, max_size=11))
    options = []
    for key in keys:
        if draw(st.booleans()):
            queue = draw(st.one_of(st.none(), queue_ids))
            options.append(MenuOption(key, MenuAction.QUEUE, queue, draw(st.sampled_from(Intent))))
        else:
            options.append(MenuOption(key, MenuAction.MESSAGE, message=draw(some_greeting)))
    return tuple(options)


@st.composite
def configs(draw: st.DrawFn) -> NumberConfig:
    line_type = draw(st.sampled_from(LineType))
    menu = draw(menu_options())
    greetings = Greetings(
        welcome=draw(greetings_values),
        menu=draw(some_greeting if menu else greetings_values),
        hold=draw(greetings_values),
        callback_offer=draw(greetings_values),
        callback_confirmation=draw(greetings_values),
    )
    countries = tuple(draw(st.lists(st.sampled_from(["DE", "AT", "CH", "FR", "GB"]), unique=True)))
    enabled = line_type is LineType.PHONE and bool(countries) and draw(st.booleans())
    return NumberConfig(
        e164=draw(st.sampled_from([BUSINESS, "+33123456789", "+442071234567", "+12015550123"])),
        line_type=line_type,
        language=draw(st.sampled_from([None, "en", "de", "fr", "de-AT", "pt-BR"])),
        queue_id=draw(queue_ids),
        greetings=greetings,
        menu=menu,
        callback=CallbackSettings(enabled, countries),
        max_wait_seconds=draw(st.one_of(st.none(), st.integers(30, 86_400))),
        overflow=Overflow(draw(st.sampled_from(OverflowKind)), draw(greetings_values)),
        announce_every_seconds=draw(st.one_of(st.none(), st.integers(15, 3_600))),
        hold_music_url=draw(st.one_of(st.none(), audio_urls)),
    )


@settings(max_examples=150, deadline=None)
@given(configs())
def test_any_valid_config_round_trips_through_json(cfg: NumberConfig) -> None:
    document = json.loads(json.dumps(cfg.to_json()))
    again = NumberConfig.from_json(cfg.e164, document)
    assert again == cfg
    assert again.to_json() == document
