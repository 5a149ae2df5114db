"""What the agent hears on a live caller's leg: the whisper and "no longer waiting",
in the account's language (agents are the business's staff, not the caller)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from ringback.ivr.prompts import load_prompts
from ringback.queue.models import Entry, EntryKind, EntryState, Intent
from ringback.routing import twiml
from ringback.routing.urls import AgentUrls
from ringback.settings import Settings
from tests.conftest import OWNER_TOKEN
from tests.routing.conftest import BUSINESS, CALLER, QUEUE, make_desk
from tests.routing.test_connect_webhooks import BASE, agent_leg, rung, tree

ENQUEUED_AT = 1_000.0
ENTRY = Entry(queue_id="support", entry_id="e1", kind=EntryKind.LIVE, state=EntryState.OFFERED,
              call_sid="CA" + "a" * 32, caller=CALLER, callback_number="", language="en",
              intent=Intent.GENERAL, dialled=BUSINESS, enqueued_at=ENQUEUED_AT, priority=0)


def spoken(document: str) -> list[tuple[str, dict[str, str], str]]:
    root = ET.fromstring(document)
    assert root.tag == "Response"
    return [(e.tag, dict(e.attrib), (e.text or "").strip()) for e in root]


def test_german_whisper_names_queue_booking_and_wait_in_minutes_and_seconds() -> None:
    booking = dataclasses.replace(ENTRY, intent=Intent.BOOKING)

    document = twiml.whisper(load_prompts("de"), booking, ENQUEUED_AT + 125)

    assert spoken(document) == [("Say", {"language": "de-DE", "voice": "Polly.Vicki"},
                                 "Anruf aus der Warteschlange support, Terminbuchung, "
                                 "Wartezeit 2 Minuten 5 Sekunden.")]


def test_german_whisper_uses_singular_minute_and_second() -> None:
    ticket = dataclasses.replace(ENTRY, intent=Intent.TICKET)
    assert twiml.whisper_text(load_prompts("de"), ticket, ENQUEUED_AT + 61) == (
        "Anruf aus der Warteschlange support, Anfrage, Wartezeit eine Minute eine Sekunde.")


def test_french_whisper_with_ticket_intent() -> None:
    ticket = dataclasses.replace(ENTRY, intent=Intent.TICKET)

    document = twiml.whisper(load_prompts("fr"), ticket, ENQUEUED_AT + 190)

    assert spoken(document) == [("Say", {"language": "fr-FR", "voice": "Polly.Lea"},
                                 "Appel de la file d'attente support, demande, "
                                 "en attente depuis 3 minutes 10 secondes.")]


def test_french_whisper_without_intent_in_singular() -> None:
    assert twiml.whisper_text(load_prompts("fr"), ENTRY, ENQUEUED_AT + 60) == (
        "Appel de la file d'attente support, en attente depuis une minute.")
    assert twiml.whisper_text(load_prompts("fr"), ENTRY, ENQUEUED_AT + 1) == (
        "Appel de la file d'attente support, en attente depuis une seconde.")


def test_english_whisper_of_a_general_caller_names_no_intent() -> None:
    assert twiml.whisper_text(load_prompts("en"), ENTRY, ENQUEUED_AT + 35) == (
        "Caller from the support queue, waiting 35 seconds.")
    booking = dataclasses.replace(ENTRY, intent=Intent.BOOKING)
    assert twiml.whisper_text(load_prompts("en"), booking, ENQUEUED_AT + 125) == (
        "Caller from the support queue, booking, waiting 2 minutes 5 seconds.")


@pytest.mark.parametrize(("language", "say_language", "text"), [
    ("de", "de-DE", "Dieser Anrufer wartet nicht mehr. Auf Wiederhören."),
    ("fr", "fr-FR", "Cet appelant n'est plus en attente. Au revoir."),
])
def test_caller_gone_is_said_in_the_language_then_the_leg_hangs_up(
    language: str, say_language: str, text: str
) -> None:
    (say, hangup) = spoken(twiml.gone(load_prompts(language)))
    assert (say[0], say[1]["language"], say[2]) == ("Say", say_language, text)
    assert hangup[0] == "Hangup"


@pytest.fixture
def german_desk(tmp_path, redis_url, database_url, services):
    """The desk of an account whose default language is German (set in the environment)."""
    settings = Settings.from_env({
        "RINGBACK_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": BASE,
        "RINGBACK_API_TOKEN": OWNER_TOKEN,
        "SECRET_KEY": "test-secret-key-0123456789",
        "RINGBACK_DEFAULT_LANGUAGE": "de",
    })
    return make_desk(settings, dataclasses.replace(services, settings=settings))


def test_with_a_german_account_default_the_agent_hears_the_whisper_in_german(
    german_desk, clock
):
    entry, tag, _ = rung(german_desk)
    assert entry.language != "de"  # the caller's language does not decide what agents hear
    clock.advance(125)

    answer = german_desk.webhook(AgentUrls(BASE).whisper(tag),
                                 agent_leg(entry.call_sid, "+493012345678"))

    assert tree(answer) == [("Say", {"language": "de-DE", "voice": "Polly.Vicki"},
                             f"Anruf aus der Warteschlange {QUEUE}, "
                             "Wartezeit 2 Minuten 5 Sekunden.")]


def test_with_a_german_account_default_an_agent_too_late_hears_so_in_german(german_desk):
    entry, tag, _ = rung(german_desk)
    german_desk.presence(int(tag.agent_id), "logged_out")

    answer = german_desk.webhook(AgentUrls(BASE).whisper(tag),
                                 agent_leg(entry.call_sid, "+493012345678"))

    assert tree(answer) == [("Say", {"language": "de-DE", "voice": "Polly.Vicki"},
                             "Dieser Anrufer wartet nicht mehr. Auf Wiederhören."),
                            ("Hangup", {}, "")]
