"""TwiML outside the queue: answering, menu, joining the queue, leaving it,
and the fallbacks. Documents are parsed and compared as XML."""

from __future__ import annotations

from ringback.ivr import twiml
from ringback.ivr.config import NumberConfig
from ringback.ivr.flow import MenuProblem, PlayMessage, RepeatMenu, decide_menu
from ringback.ivr.prompts import Prompts, prompts_for
from ringback.ivr.state import CallState
from ringback.ivr.urls import UrlBuilder
from tests.ivr.conftest import BASE_URL, BUSINESS
from tests.ivr.twiml_xml import only_child, parse, path_and_query, said, verbs

MENU_PATH = "/twilio/voice/menu"


def test_welcome_and_menu_gather_one_key(cfg: NumberConfig, de: Prompts, urls: UrlBuilder) -> None:
    root = parse(twiml.welcome_and_menu(cfg, de, urls))
    assert verbs(root) == ["Gather", "Redirect"]
    gather = root[0]
    assert gather.attrib == {
        "action": f"{BASE_URL}{MENU_PATH}",
        "method": "POST",
        "numDigits": "1",
        "timeout": "5",
    }
    assert verbs(gather) == ["Say", "Say"]
    assert said(gather) == [
        "Willkommen bei Beispiel.",
        "Für Termine drücken Sie die 1, für Öffnungszeiten die 2.",
    ]
    assert {k: gather[0].attrib[k] for k in ("language", "voice")} == {
        "language": "de-DE",
        "voice": "Polly.Vicki",
    }
    # No key pressed: the same action hears about it.
    assert root[1].text == gather.attrib["action"]
    assert root[1].attrib == {"method": "POST"}


def test_recorded_welcome_is_played(de: Prompts, urls: UrlBuilder) -> None:
    cfg = NumberConfig.from_json(
        BUSINESS, {"greetings": {"welcome": {"audio_url": "https://cdn.example/hi.mp3"}}}
    )
    root = parse(twiml.welcome_and_menu(cfg, de, urls))
    assert verbs(root) == ["Play", "Redirect"]
    assert root[0].text == "https://cdn.example/hi.mp3"


def test_number_without_menu_hears_the_default_welcome_then_goes_to_its_queue(
    urls: UrlBuilder,
) -> None:
    cfg = NumberConfig.from_json(BUSINESS, {})
    en = prompts_for(cfg.language, None)
    root = parse(twiml.welcome_and_menu(cfg, en, urls))
    assert verbs(root) == ["Say", "Redirect"]
    assert said(root) == ["Welcome, and thank you for calling."]
    assert path_and_query(root[1].text or "") == (MENU_PATH, {})


def test_menu_retry_says_what_was_wrong_and_counts_the_attempt(
    cfg: NumberConfig, de: Prompts, urls: UrlBuilder
) -> None:
    decision = decide_menu(cfg, "9", CallState())
    assert isinstance(decision, RepeatMenu)
    root = parse(twiml.menu_retry(cfg, de, urls, decision.state, decision.problem))
    assert verbs(root) == ["Say", "Gather", "Redirect"]
    assert root[0].text == "Diese Auswahl ist leider nicht möglich."
    # The welcome is not repeated, the menu is.
    assert said(root[1]) == ["Für Termine drücken Sie die 1, für Öffnungszeiten die 2."]
    assert path_and_query(root[1].attrib["action"]) == (MENU_PATH, {"menu_attempt": "1"})
    assert root[2].text == root[1].attrib["action"]


def test_menu_retry_after_silence(cfg: NumberConfig, en: Prompts, urls: UrlBuilder) -> None:
    root = parse(twiml.menu_retry(cfg, en, urls, CallState(menu_attempt=2), MenuProblem.NO_INPUT))
    assert root[0].text == "We did not receive your choice."


def test_menu_message_then_the_menu_again(cfg: NumberConfig, de: Prompts, urls: UrlBuilder) -> None:
    decision = decide_menu(cfg, "2", CallState(menu_attempt=1))
    assert isinstance(decision, PlayMessage)
    root = parse(twiml.menu_message(cfg, de, urls, decision.message, decision.state))
    assert verbs(root) == ["Say", "Gather", "Redirect"]
    assert root[0].text == "Wir sind immer da."
    assert path_and_query(root[1].attrib["action"]) == (MENU_PATH, {})


def test_enqueue_names_the_twilio_queue_after_ours(
    cfg: NumberConfig, de: Prompts, urls: UrlBuilder
) -> None:
    root = parse(twiml.enqueue(cfg, de, urls, "bookings"))
    enqueue = only_child(root, "Enqueue")
    assert verbs(root) == ["Enqueue"]
    assert enqueue.text == "bookings"
    assert enqueue.attrib == {
        "action": f"{BASE_URL}/twilio/voice/queue-exit?queue=bookings",
        "method": "POST",
        "waitUrl": f"{BASE_URL}/twilio/voice/wait?queue=bookings",
        "waitUrlMethod": "POST",
    }


def test_default_route_tells_the_caller_before_enqueueing(
    cfg: NumberConfig, de: Prompts, urls: UrlBuilder
) -> None:
    root = parse(twiml.enqueue(cfg, de, urls, cfg.queue_id, default_route=True))
    assert verbs(root) == ["Say", "Enqueue"]
    assert root[0].text == "Wir verbinden Sie mit unserem Team."
    assert root[1].text == "support"


def test_confirmation_then_hangup(cfg: NumberConfig, de: Prompts) -> None:
    root = parse(twiml.confirmation_and_hangup(cfg, de))
    assert verbs(root) == ["Say", "Hangup"]
    assert root[0].text == (
        "Vielen Dank. Wir rufen Sie zurück, sobald Sie an der Reihe sind. Auf Wiederhören."
    )


def test_configured_confirmation_greeting_wins(de: Prompts) -> None:
    cfg = NumberConfig.from_json(
        BUSINESS, {"greetings": {"callback_confirmation": {"text": "Bis gleich!"}}}
    )
    assert said(parse(twiml.confirmation_and_hangup(cfg, de))) == ["Bis gleich!"]


def test_overflow_message(cfg: NumberConfig, en: Prompts, urls: UrlBuilder) -> None:
    root = parse(twiml.overflow(cfg, en, urls, "support"))
    assert verbs(root) == ["Say", "Hangup"]
    assert said(root)[0].startswith("We are sorry, all of our team are still busy.")


def test_overflow_to_voicemail_records_with_an_action(urls: UrlBuilder) -> None:
    cfg = NumberConfig.from_json(BUSINESS, {"language": "fr", "overflow": {"kind": "voicemail"}})
    fr = prompts_for(cfg.language)
    root = parse(twiml.overflow(cfg, fr, urls, "support"))
    assert verbs(root) == ["Say", "Record", "Say", "Hangup"]
    assert said(root)[0].startswith("Tous nos conseillers sont actuellement occupés.")
    assert root[1].attrib == {
        "action": f"{BASE_URL}/twilio/voice/voicemail?queue=support",
        "method": "POST",
        "maxLength": "120",
        "timeout": "5",
        "finishOnKey": "#",
        "playBeep": "true",
    }
    assert root[2].text == "Merci de votre appel. Au revoir."


def test_voicemail_saved_and_goodbye(de: Prompts) -> None:
    assert said(parse(twiml.voicemail_saved(de))) == [
        "Vielen Dank, wir haben Ihre Nachricht erhalten. Auf Wiederhören."
    ]
    assert verbs(parse(twiml.goodbye(de))) == ["Say", "Hangup"]
    assert verbs(parse(twiml.hangup())) == ["Hangup"]


def test_unknown_number_is_told_politely(en: Prompts) -> None:
    root = parse(twiml.unknown_number(en))
    assert verbs(root) == ["Say", "Hangup"]
    assert root[0].text == "Sorry, this number is not in service at the moment. Goodbye."


def test_fallback_sorry_without_prompts_speaks_english(de: Prompts) -> None:
    root = parse(twiml.fallback_sorry())
    assert verbs(root) == ["Say", "Hangup"]
    assert root[0].attrib["language"] == "en-US"
    assert "technical problem" in said(root)[0]
    assert said(parse(twiml.fallback_sorry(de)))[0].startswith("Entschuldigung")


def test_fallback_sorry_survives_broken_prompts() -> None:
    broken = Prompts("xx", "en-US", None, texts={})  # type: ignore[arg-type]
    root = parse(twiml.fallback_sorry(broken))
    assert verbs(root) == ["Say", "Hangup"]
    assert root[0].text == twiml.LAST_RESORT
