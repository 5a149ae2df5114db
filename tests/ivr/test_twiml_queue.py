"""TwiML inside the queue: the hold loop, the callback offer and the dialog for
another number. Every document here must use only the verbs Twilio allows in
a queue."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringback.ivr import twiml_queue
from ringback.ivr.callback_number import RejectReason
from ringback.ivr.config import NumberConfig
from ringback.ivr.flow import AskForNumber, ReadBack, decide_callback_number
from ringback.ivr.prompts import Prompts, load_prompts, prompts_for
from ringback.ivr.state import CallState
from ringback.ivr.urls import UrlBuilder
from tests.ivr.conftest import BASE_URL, BUSINESS, berlin_payload
from tests.ivr.twiml_xml import assert_queue_verbs_only, parse, path_and_query, said, verbs


def hold(cfg: NumberConfig, prompts: Prompts, urls: UrlBuilder, **turn: object) -> str:
    values = {
        "queue_id": "support",
        "position": 3,
        "estimated_wait_seconds": 300,
        "announce": True,
        "offer_callback": True,
    }
    values.update(turn)
    return twiml_queue.wait_loop(cfg, prompts, urls, **values)  # type: ignore[arg-type]


def test_hold_loop_with_offer_gathers_one_key_over_announcements_offer_and_music(
    cfg: NumberConfig, de: Prompts, urls: UrlBuilder
) -> None:
    document = hold(cfg, de, urls)
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Gather"]
    gather = root[0]
    assert gather.attrib == {
        "action": f"{BASE_URL}/twilio/voice/callback/choice?queue=support",
        "method": "POST",
        "numDigits": "1",
        "timeout": "2",
    }
    assert verbs(gather) == ["Say", "Say", "Say", "Say", "Play"]
    assert said(gather) == [
        de.texts["hold"],
        "Sie sind an Position 3 in der Warteschlange.",
        "Die voraussichtliche Wartezeit beträgt etwa 5 Minuten.",
        de.texts["callback_offer"],
    ]
    assert "Drücken Sie die 1" in said(gather)[3]
    assert gather[4].text == twiml_queue.TWILIO_HOLD_MUSIC


def test_hold_loop_without_announcement_only_offers_and_plays(
    cfg: NumberConfig, en: Prompts, urls: UrlBuilder
) -> None:
    root = parse(hold(cfg, en, urls, announce=False))
    assert verbs(root[0]) == ["Say", "Play"]
    assert said(root) == [en.texts["callback_offer"]]


def test_position_is_announced_only_when_due(
    cfg: NumberConfig, en: Prompts, urls: UrlBuilder
) -> None:
    due = said(parse(hold(cfg, en, urls, announce=True, offer_callback=False)))
    not_due = said(parse(hold(cfg, en, urls, announce=False, offer_callback=False)))
    assert "You are number 3 in the queue." in due
    assert not any("in the queue" in sentence for sentence in not_due)
    assert not_due == []


def test_hold_loop_without_offer_has_no_gather(
    cfg: NumberConfig, en: Prompts, urls: UrlBuilder
) -> None:
    document = hold(cfg, en, urls, offer_callback=False, position=1, estimated_wait_seconds=None)
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Say", "Say", "Play"]
    assert said(root) == [en.texts["hold"], "You are next in the queue."]


def test_digital_line_never_offers_a_callback(en: Prompts, urls: UrlBuilder) -> None:
    cfg = NumberConfig.from_json(BUSINESS, {"line_type": "digital"})
    root = parse(hold(cfg, en, urls, offer_callback=True))
    assert root.find(".//Gather") is None
    assert en.texts["callback_offer"] not in said(root)


def test_number_with_callbacks_disabled_never_offers(en: Prompts, urls: UrlBuilder) -> None:
    cfg = NumberConfig.from_json(BUSINESS, {"callback": {"enabled": False}})
    assert parse(hold(cfg, en, urls)).find(".//Gather") is None


def test_own_hold_music_and_recorded_offer(en: Prompts, urls: UrlBuilder) -> None:
    cfg = NumberConfig.from_json(
        BUSINESS,
        {
            "hold_music_url": "https://cdn.example/jazz.mp3",
            "greetings": {
                "hold": {"audio_url": "https://cdn.example/hold.mp3"},
                "callback_offer": {"audio_url": "https://cdn.example/offer.mp3"},
            },
        },
    )
    gather = parse(hold(cfg, en, urls))[0]
    assert verbs(gather) == ["Play", "Say", "Say", "Play", "Play"]
    assert [p.text for p in gather.iter("Play")] == [
        "https://cdn.example/hold.mp3",
        "https://cdn.example/offer.mp3",
        "https://cdn.example/jazz.mp3",
    ]


def test_enter_number_gathers_until_hash(cfg: NumberConfig, de: Prompts, urls: UrlBuilder) -> None:
    state = CallState(queue="support")
    document = twiml_queue.enter_number(cfg, de, urls, state)
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Gather", "Redirect"]
    assert root[0].attrib == {
        "action": f"{BASE_URL}/twilio/voice/callback/number?queue=support",
        "method": "POST",
        "finishOnKey": "#",
        "timeout": "10",
    }
    assert said(root) == [de.texts["enter_number"]]
    assert "null null" in said(root)[0]
    assert root[1].text == root[0].attrib["action"]


EXPECTED_REASONS = {
    "en": {
        RejectReason.UNPARSEABLE: "Sorry, we could not understand that number.",
        RejectReason.INVALID: "Sorry, that is not a valid phone number.",
        RejectReason.PREMIUM_OR_SHARED_COST: (
            "Sorry, we cannot call back premium-rate or shared-cost numbers."
        ),
        RejectReason.PERSONAL_OR_UAN: (
            "Sorry, we cannot call back personal numbers or universal access numbers. "
            "Please use a landline or mobile number."
        ),
        RejectReason.SATELLITE_OR_GLOBAL: (
            "Sorry, we cannot call back satellite phones or international service numbers."
        ),
        RejectReason.OWN_NUMBER: (
            "That is one of our own numbers, so we cannot call you back on it."
        ),
        RejectReason.COUNTRY_NOT_ALLOWED: "Sorry, we cannot call back numbers in that country.",
    },
    "de": {
        RejectReason.UNPARSEABLE: "Diese Eingabe konnten wir leider nicht verstehen.",
        RejectReason.INVALID: "Das ist leider keine gültige Rufnummer.",
        RejectReason.PREMIUM_OR_SHARED_COST: (
            "Kostenpflichtige Sonderrufnummern, etwa Mehrwert- oder Servicenummern, "
            "können wir leider nicht zurückrufen."
        ),
        RejectReason.PERSONAL_OR_UAN: (
            "Persönliche Rufnummern und Unternehmensrufnummern können wir leider nicht "
            "zurückrufen. Bitte nennen Sie uns eine Festnetz- oder Mobilfunknummer."
        ),
        RejectReason.SATELLITE_OR_GLOBAL: (
            "Satellitentelefone und internationale Dienstenummern können wir leider nicht "
            "zurückrufen."
        ),
        RejectReason.OWN_NUMBER: (
            "Das ist eine unserer eigenen Rufnummern, unter der wir Sie nicht zurückrufen können."
        ),
        RejectReason.COUNTRY_NOT_ALLOWED: "In dieses Land können wir leider nicht zurückrufen.",
    },
    "fr": {
        RejectReason.UNPARSEABLE: "Désolé, nous n'avons pas compris ce numéro.",
        RejectReason.INVALID: "Désolé, ce numéro de téléphone n'est pas valide.",
        RejectReason.PREMIUM_OR_SHARED_COST: (
            "Désolé, nous ne pouvons pas rappeler les numéros surtaxés ou à coûts partagés."
        ),
        RejectReason.PERSONAL_OR_UAN: (
            "Désolé, nous ne pouvons pas rappeler les numéros personnels ou les numéros "
            "d'accès universel. Merci d'indiquer un numéro fixe ou mobile."
        ),
        RejectReason.SATELLITE_OR_GLOBAL: (
            "Désolé, nous ne pouvons pas rappeler les téléphones satellites ni les numéros "
            "de services internationaux."
        ),
        RejectReason.OWN_NUMBER: (
            "Ce numéro est l'un de nos propres numéros, nous ne pouvons donc pas vous "
            "rappeler dessus."
        ),
        RejectReason.COUNTRY_NOT_ALLOWED: (
            "Désolé, nous ne pouvons pas rappeler de numéros dans ce pays."
        ),
    },
}


def premium_de() -> str:
    number = phonenumbers.example_number_for_type("DE", PhoneNumberType.PREMIUM_RATE)
    assert number is not None
    return "00" + phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]


KEYED = {
    RejectReason.UNPARSEABLE: "",
    RejectReason.INVALID: "0301",
    RejectReason.PREMIUM_OR_SHARED_COST: premium_de(),
    RejectReason.PERSONAL_OR_UAN: "070012345678",  # +49 700, keyed nationally
    RejectReason.SATELLITE_OR_GLOBAL: "00881612345678",
    RejectReason.OWN_NUMBER: "030123456",  # the business number itself
    RejectReason.COUNTRY_NOT_ALLOWED: "00447400123456",
}


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize("reason", list(RejectReason))
def test_each_rejected_number_is_reprompted_with_its_reason(
    language: str, reason: RejectReason, urls: UrlBuilder
) -> None:
    cfg = NumberConfig.from_json(BUSINESS, berlin_payload(language=language))
    prompts = prompts_for(cfg.language)
    decision = decide_callback_number(cfg, KEYED[reason], CallState(queue="support"))
    assert isinstance(decision, AskForNumber)
    assert decision.reason is reason
    document = twiml_queue.enter_number(cfg, prompts, urls, decision.state, decision.reason)
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Say", "Gather", "Redirect"]
    assert root[0].text == EXPECTED_REASONS[language][reason]
    assert root[0].attrib["language"] == load_prompts(language).say_language
    _, query = path_and_query(root[1].attrib["action"])
    assert query == {"number_attempt": "1", "queue": "support"}


def test_callers_own_number_refused_then_asked_for_another(
    cfg: NumberConfig, en: Prompts, urls: UrlBuilder
) -> None:
    document = twiml_queue.caller_number_rejected(cfg, en, urls, CallState(queue="support"))
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Say", "Gather", "Redirect"]
    assert root[0].text == "Sorry, we cannot call you back on the number you are calling from."


def test_read_back_digit_by_digit_with_confirm_or_reenter(
    cfg: NumberConfig, de: Prompts, urls: UrlBuilder
) -> None:
    decision = decide_callback_number(cfg, "015123456789", CallState(queue="support"))
    assert isinstance(decision, ReadBack)
    document = twiml_queue.read_back(cfg, de, urls, decision.state)
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Gather", "Redirect"]
    path, query = path_and_query(root[0].attrib["action"])
    assert path == "/twilio/voice/callback/confirm"
    assert query == {"number": "+4915123456789", "queue": "support"}
    assert root[0].attrib["numDigits"] == "1"
    assert said(root) == [
        "Wir rufen Sie unter 0 1 5 1 2, 3 4 5 6 7 8 9 zurück. "
        "Drücken Sie die 1 zur Bestätigung oder die 2, um eine andere Nummer einzugeben."
    ]


def test_read_back_of_a_foreign_number_in_english(en: Prompts, urls: UrlBuilder) -> None:
    cfg = NumberConfig.from_json(BUSINESS, berlin_payload(language="en"))
    state = CallState(number="+43664123456", queue="support")
    assert said(parse(twiml_queue.read_back(cfg, en, urls, state))) == [
        "We will call you back on plus, 4 3, 6 6 4, 1 2 3 4 5 6. "
        "Press 1 to confirm, or press 2 to enter another number."
    ]


def test_read_back_needs_a_number(cfg: NumberConfig, en: Prompts, urls: UrlBuilder) -> None:
    with pytest.raises(ValueError):
        twiml_queue.read_back(cfg, en, urls, CallState(queue="support"))


@pytest.mark.parametrize(
    ("after_failed_number", "sentence"),
    [
        (False, "Thank you. Please continue to hold."),
        (
            True,
            "We could not take a callback number. You keep your place in the queue; "
            "please continue to hold.",
        ),
    ],
)
def test_back_to_queue_redirects_to_the_hold_loop(
    en: Prompts, urls: UrlBuilder, after_failed_number: bool, sentence: str
) -> None:
    state = CallState(number_attempt=3, queue="support")
    document = twiml_queue.back_to_queue(en, urls, state, after_failed_number=after_failed_number)
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Say", "Redirect"]
    assert root[0].text == sentence
    assert root[1].text == f"{BASE_URL}/twilio/voice/wait?queue=support"
    assert root[1].attrib == {"method": "POST"}


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_over_a_callback_limit_the_caller_hears_why_and_holds_on(
    language: str, urls: UrlBuilder
) -> None:
    prompts = load_prompts(language)
    document = twiml_queue.callback_limit_reached(prompts, urls,
                                                  CallState(number="+4915112345678",
                                                            queue="support"))
    assert_queue_verbs_only(document)
    root = parse(document)
    assert verbs(root) == ["Say", "Redirect"]
    assert root[0].text == prompts.texts["callback_limit_reached"]
    assert root[0].attrib["language"] == prompts.say_language
    assert root[1].text == f"{BASE_URL}/twilio/voice/wait?queue=support"


def test_leave_queue_is_a_bare_leave() -> None:
    document = twiml_queue.leave_queue()
    assert_queue_verbs_only(document)
    assert verbs(parse(document)) == ["Leave"]
