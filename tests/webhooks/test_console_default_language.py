"""The default language set in the console reaches the calls: a number without a
language welcomes callers in it, and agents hear their whispers in it, in another
process than the console's (its own ``Services`` on the same Redis and SQL)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from ringback.agents import AgentDirectory
from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import OutboundUrls
from ringback.ivr.prompts import PromptKey, load_prompts
from ringback.routing.urls import AgentUrls
from tests.callbacks.conftest import QUEUE as CALLBACK_QUEUE
from tests.callbacks.conftest import Desk, build_app
from tests.console.conftest import OWNER_EMAIL, OWNER_PASSWORD, form_post, log_in
from tests.routing.conftest import BUSINESS, CALLER, QUEUE, make_desk
from tests.routing.test_connect_webhooks import BASE, agent_leg, rung, tree

GERMAN = {"language": "de-DE", "voice": "Polly.Vicki"}


@pytest.fixture
def console_says_german(app, services) -> None:
    """An admin chooses German in the console's Settings (the environment says English)."""
    assert services.settings.default_language == "en"
    AgentDirectory(services.db).create_owner(OWNER_EMAIL, "Olivia Owner", OWNER_PASSWORD)
    admin = app.test_client()
    assert log_in(admin, OWNER_EMAIL, OWNER_PASSWORD).status_code == 302
    response = form_post(admin, "/console/settings", multiple_slot_selection="on",
                         resource_availability="online_booking_hours", default_language="de")
    assert response.status_code == 302


@pytest.fixture
def desk(settings, services):
    """The call side in a process of its own: a fresh ``Services`` with its own directory."""
    return make_desk(settings, dataclasses.replace(services))


def test_a_number_without_a_language_welcomes_in_the_console_default_and_agents_hear_german(
    desk, console_says_german, clock
):
    desk.services.numbers.put(BUSINESS, {"queue_id": QUEUE})  # language: null

    answer = desk.webhook(f"{BASE}/twilio/voice",
                          {"CallSid": "CA" + "1" * 32, "From": CALLER, "To": BUSINESS,
                           "CallStatus": "ringing"})

    said = [(attrs, text) for tag, attrs, text in tree(answer) if tag == "Say"]
    assert said[0] == (GERMAN, load_prompts("de").text(PromptKey.WELCOME))

    entry, tag, _ = rung(desk)
    clock.advance(125)
    whisper = desk.webhook(AgentUrls(BASE).whisper(tag),
                           agent_leg(entry.call_sid, "+493012345678"))

    assert tree(whisper) == [("Say", GERMAN, f"Anruf aus der Warteschlange {QUEUE}, "
                                             "Wartezeit 2 Minuten 5 Sekunden.")]


def test_an_outbound_callbacks_agent_hears_the_console_default(
    settings, services, console_says_german
):
    own = dataclasses.replace(services)
    app = build_app(settings, own)
    app.config["TESTING"] = True
    desk = Desk(own, app.test_client(), settings)
    entry = desk.ask(language="fr")
    ref = entry_ref(CALLBACK_QUEUE, entry.entry_id)
    _, token = desk.agent()
    assert desk.call(ref, token).status_code == 202
    desk.work()

    response = desk.webhook(OutboundUrls(BASE).connect(desk.attempt_key(ref)),
                            {"CallSid": "CA" + "b" * 32, "CallStatus": "in-progress"})

    say, dial = list(ET.fromstring(response.data))
    assert (say.tag, say.get("language"), say.text) == (
        "Say", "de-DE",
        f"Rückruf aus der Warteschlange {CALLBACK_QUEUE}. Sie werden jetzt verbunden.")
    assert dial.tag == "Dial"
