"""What the agent hears on an outbound callback's leg, in the account's language
(the customer's language is theirs; agents are the business's staff)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import OutboundUrls
from ringback.ivr.prompts import load_prompts
from ringback.queue.models import Entry, EntryKind, EntryState, Intent
from ringback.webhooks.outbound import connect_twiml, gone_twiml
from tests.callbacks.conftest import BUSINESS, CALLER, QUEUE, Desk, build_app

BASE = "https://ringback.example.com"
ENTRY = Entry(queue_id="sales", entry_id="e1", kind=EntryKind.CALLBACK,
              state=EntryState.ACCEPTED, call_sid="CA" + "a" * 32, caller=CALLER,
              callback_number=CALLER, language="en", intent=Intent.GENERAL, dialled=BUSINESS,
              enqueued_at=1_000.0, priority=0, accepted_at=1_100.0)


def children(document: str) -> list[ET.Element]:
    root = ET.fromstring(document)
    assert root.tag == "Response"
    return list(root)


@pytest.mark.parametrize(("language", "say_language", "text"), [
    ("en", "en-US", "Callback from the sales queue. Connecting you now."),
    ("de", "de-DE", "Rückruf aus der Warteschlange sales. Sie werden jetzt verbunden."),
    ("fr", "fr-FR", "Rappel de la file d'attente sales. Mise en relation en cours."),
])
def test_callback_whisper_is_said_in_the_prompts_language_before_the_dial(
    language: str, say_language: str, text: str
) -> None:
    say, dial = children(connect_twiml(load_prompts(language), ENTRY, OutboundUrls(BASE),
                                       "sales:e1@1100000"))
    assert (say.tag, say.get("language"), say.text) == ("Say", say_language, text)
    assert (dial.tag, dial.get("callerId")) == ("Dial", BUSINESS)


def test_callback_gone_in_german_then_hangup() -> None:
    say, hangup = children(gone_twiml(load_prompts("de")))
    assert (say.tag, say.get("language"), say.text) == (
        "Say", "de-DE", "Dieser Rückruf ist nicht mehr offen. Auf Wiederhören.")
    assert hangup.tag == "Hangup"


@pytest.fixture
def french_desk(settings, services) -> Desk:
    own_settings = settings.with_changes(default_language="fr")
    own_services = dataclasses.replace(services, settings=own_settings)
    app = build_app(own_settings, own_services)
    app.config["TESTING"] = True
    return Desk(own_services, app.test_client(), own_settings)


def _called_back(desk: Desk) -> tuple[str, str]:
    """A German-speaking caller's callback, called by an agent: (ref, attempt key)."""
    entry = desk.ask(language="de")
    ref = entry_ref(QUEUE, entry.entry_id)
    _, token = desk.agent()
    assert desk.call(ref, token).status_code == 202
    desk.work()
    return ref, desk.attempt_key(ref)


def test_with_a_french_account_default_the_agent_hears_a_german_callers_callback_in_french(
    french_desk,
):
    _, key = _called_back(french_desk)

    response = french_desk.webhook(OutboundUrls(BASE).connect(key),
                                   {"CallSid": "CA" + "b" * 32, "CallStatus": "in-progress"})

    say, dial = list(ET.fromstring(response.data))
    assert (say.tag, say.get("language"), say.text) == (
        "Say", "fr-FR", f"Rappel de la file d'attente {QUEUE}. Mise en relation en cours.")
    assert dial.tag == "Dial"


def test_with_a_french_account_default_a_callback_gone_is_said_in_french(french_desk):
    ref, key = _called_back(french_desk)
    french_desk.services.queue.remove(*ref.split(":"))

    response = french_desk.webhook(OutboundUrls(BASE).connect(key), {"CallSid": "CA" + "b" * 32})

    say, hangup = list(ET.fromstring(response.data))
    assert (say.tag, say.text, hangup.tag) == (
        "Say", "Ce rappel n'est plus en attente. Au revoir.", "Hangup")
