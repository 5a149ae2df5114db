"""Shipped prompts: complete in every language, same placeholders, and the
fallback chain number language -> account default -> English."""

from __future__ import annotations

import pytest

from ringback.ivr.callback_number import RejectReason
from ringback.ivr.prompts import (
    PromptKey,
    Prompts,
    agent_prompts,
    available_languages,
    load_prompts,
    placeholders,
    prompts_for,
)


def test_english_german_and_french_are_shipped() -> None:
    assert {"en", "de", "fr"} <= available_languages()


@pytest.mark.parametrize("language", sorted(available_languages()))
def test_every_language_has_every_prompt_with_the_same_placeholders(language: str) -> None:
    prompts = load_prompts(language)
    english = load_prompts("en")
    assert set(prompts.texts) == {key.value for key in PromptKey}
    for key in PromptKey:
        assert prompts.texts[key.value].strip(), key
        assert placeholders(prompts.texts[key.value]) == placeholders(english.texts[key.value]), key


@pytest.mark.parametrize(
    ("language", "say_language"), [("en", "en-US"), ("de", "de-DE"), ("fr", "fr-FR")]
)
def test_say_language_codes(language: str, say_language: str) -> None:
    prompts = load_prompts(language)
    assert prompts.say_language == say_language
    assert prompts.voice and prompts.voice.startswith("Polly.")


# Sentences that are rightly the same words as the English one.
SAME_AS_ENGLISH = {"de": {"plus"}, "fr": {"plus", "duration_minutes"}}


def test_translations_are_not_english_copies() -> None:
    english = load_prompts("en").texts
    for language in ("de", "fr"):
        texts = load_prompts(language).texts
        same = {k for k in english if texts[k] == english[k]}
        assert same == SAME_AS_ENGLISH[language], language


@pytest.mark.parametrize(
    ("language", "account_default", "expected"),
    [
        ("de", "fr", "de"),
        ("de-AT", "fr", "de"),
        (None, "fr", "fr"),
        ("es", "fr", "fr"),
        ("es", None, "en"),
        (None, None, "en"),
        ("es", "pt-BR", "en"),
        ("", "", "en"),
    ],
)
def test_language_falls_back_to_account_default_then_english(
    language: str | None, account_default: str | None, expected: str
) -> None:
    assert prompts_for(language, account_default).language == expected


def test_position_one_is_next_in_line(en: Prompts, de: Prompts) -> None:
    assert en.position(1) == "You are next in the queue."
    assert en.position(4) == "You are number 4 in the queue."
    assert de.position(4) == "Sie sind an Position 4 in der Warteschlange."


@pytest.mark.parametrize(
    ("seconds", "english"),
    [
        (0, "The estimated waiting time is less than a minute."),
        (59, "The estimated waiting time is less than a minute."),
        (60, "The estimated waiting time is about one minute."),
        (89, "The estimated waiting time is about one minute."),
        (90, "The estimated waiting time is about 2 minutes."),
        (600, "The estimated waiting time is about 10 minutes."),
    ],
)
def test_estimated_wait_is_rounded_to_minutes(en: Prompts, seconds: int, english: str) -> None:
    assert en.estimated_wait(seconds) == english


def test_french_estimated_wait(de: Prompts) -> None:
    fr = prompts_for("fr")
    assert fr.estimated_wait(300) == "Le temps d'attente estimé est d'environ 5 minutes."
    assert de.estimated_wait(300) == "Die voraussichtliche Wartezeit beträgt etwa 5 Minuten."


def test_home_number_is_read_back_nationally_digit_by_digit(de: Prompts) -> None:
    assert de.spoken_number("+4930123456", "DE") == "0 3 0, 1 2 3 4 5 6"
    assert de.read_back("+4930123456", "DE").startswith("Wir rufen Sie unter 0 3 0, 1 2 3 4 5 6 ")


def test_foreign_number_is_read_back_with_plus_and_country_code(en: Prompts) -> None:
    assert en.spoken_number("+447400123456", "DE") == "plus, 4 4, 7 4 0 0, 1 2 3 4 5 6"
    assert en.read_back("+447400123456", "DE") == (
        "We will call you back on plus, 4 4, 7 4 0 0, 1 2 3 4 5 6. "
        "Press 1 to confirm, or press 2 to enter another number."
    )


def test_no_spoken_group_is_longer_than_the_number_and_all_digits_are_there(en: Prompts) -> None:
    spoken = en.spoken_number("+33612345678", "FR")
    assert spoken == "0 6, 1 2, 3 4, 5 6, 7 8"
    assert spoken.replace(", ", "").replace(" ", "") == "0612345678"


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_each_rejection_reason_has_its_own_sentence(language: str) -> None:
    prompts = load_prompts(language)
    sentences = {prompts.rejection(reason) for reason in RejectReason}
    assert len(sentences) == len(RejectReason)


@pytest.mark.parametrize(
    ("language", "seconds", "spoken"),
    [
        ("en", 125, "2 minutes 5 seconds"),
        ("en", 61, "one minute one second"),
        ("en", 60, "one minute"),
        ("en", 120.4, "2 minutes"),
        ("en", 1, "one second"),
        ("en", 0, "0 seconds"),
        ("de", 125, "2 Minuten 5 Sekunden"),
        ("de", 61, "eine Minute eine Sekunde"),
        ("de", 75, "eine Minute 15 Sekunden"),
        ("de", 42, "42 Sekunden"),
        ("fr", 125, "2 minutes 5 secondes"),
        ("fr", 61, "une minute une seconde"),
        ("fr", 1, "une seconde"),
        ("fr", 3600, "60 minutes"),
    ],
)
def test_duration_is_spoken_to_the_second_with_singular_forms(
    language: str, seconds: float, spoken: str
) -> None:
    assert load_prompts(language).duration(seconds) == spoken


def test_a_negative_duration_is_spoken_as_zero(en: Prompts) -> None:
    assert en.duration(-3) == "0 seconds"


@pytest.mark.parametrize(
    ("account_default", "expected"), [("de", "de"), ("fr-CH", "fr"), ("es", "en"), (None, "en")]
)
def test_agents_hear_the_account_default_language_else_english(
    account_default: str | None, expected: str
) -> None:
    assert agent_prompts(account_default).language == expected
