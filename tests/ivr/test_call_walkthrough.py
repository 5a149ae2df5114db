"""Whole call paths through the IVR, following the URLs our TwiML hands Twilio.

``Glue`` plays the part of the webhook layer in the thinnest way possible:
route from the URL path, state from its query string, one decision, one
TwiML builder. It shows the API composes, and that every URL we emit leads
somewhere that understands it.
"""

from __future__ import annotations

from ringback.ivr import twiml, twiml_queue
from ringback.ivr.callback_number import CallbackNumberRejected
from ringback.ivr.config import NumberConfig
from ringback.ivr.flow import (
    AskForNumber,
    BackToQueue,
    CallbackChoice,
    Confirmed,
    JoinQueue,
    PlayMessage,
    ReadBack,
    RepeatMenu,
    caller_callback_number,
    decide_callback_choice,
    decide_callback_number,
    decide_confirmation,
    decide_menu,
)
from ringback.ivr.prompts import prompts_for
from ringback.ivr.state import CallState
from ringback.ivr.urls import DEFAULT_PATHS, Route, UrlBuilder
from tests.ivr.conftest import BASE_URL, BUSINESS, berlin_payload
from tests.ivr.twiml_xml import parse, path_and_query, said, verbs

ROUTES = {path: route for route, path in DEFAULT_PATHS.items()}


class Glue:
    """What a webhook does, minus Flask and Redis: it records the callbacks made."""

    def __init__(self, cfg: NumberConfig, caller: str) -> None:
        self.cfg = cfg
        self.caller = caller
        self.prompts = prompts_for(cfg.language, "en")
        self.urls = UrlBuilder(BASE_URL)
        self.callbacks: list[str] = []
        self.enqueued: list[tuple[str, str]] = []

    def request(self, url: str, digits: str | None = None) -> str:
        assert url.startswith(BASE_URL)
        path, query = path_and_query(url)
        state = CallState.from_params(query)
        cfg, prompts, urls = self.cfg, self.prompts, self.urls
        match ROUTES[path]:
            case Route.MENU:
                return self.menu(decide_menu(cfg, digits, state))
            case Route.CALLBACK_CHOICE:
                choice = decide_callback_choice(cfg, digits)
                if choice is CallbackChoice.SAME_NUMBER:
                    try:
                        self.callbacks.append(caller_callback_number(cfg, self.caller))
                    except CallbackNumberRejected:
                        return twiml_queue.caller_number_rejected(cfg, prompts, urls, state)
                    return twiml_queue.leave_queue()
                if choice is CallbackChoice.OTHER_NUMBER:
                    return twiml_queue.enter_number(cfg, prompts, urls, state)
                return twiml_queue.back_to_queue(prompts, urls, state)
            case Route.CALLBACK_NUMBER:
                return self.dialog(decide_callback_number(cfg, digits, state))
            case Route.CALLBACK_CONFIRM:
                return self.dialog(decide_confirmation(cfg, digits, state))
            case Route.QUEUE_EXIT:
                return twiml.confirmation_and_hangup(cfg, prompts)
        raise AssertionError(f"no handler for {url}")

    def menu(self, decision: JoinQueue | PlayMessage | RepeatMenu) -> str:
        cfg, prompts, urls = self.cfg, self.prompts, self.urls
        match decision:
            case JoinQueue(queue_id, intent, default_route):
                self.enqueued.append((queue_id, intent.value))
                return twiml.enqueue(cfg, prompts, urls, queue_id, default_route=default_route)
            case PlayMessage(message, state):
                return twiml.menu_message(cfg, prompts, urls, message, state)
            case RepeatMenu(problem, state):
                return twiml.menu_retry(cfg, prompts, urls, state, problem)

    def dialog(self, decision: Confirmed | ReadBack | AskForNumber | BackToQueue) -> str:
        cfg, prompts, urls = self.cfg, self.prompts, self.urls
        match decision:
            case Confirmed(number, _):
                self.callbacks.append(number)
                return twiml_queue.leave_queue()
            case ReadBack(_, state):
                return twiml_queue.read_back(cfg, prompts, urls, state)
            case AskForNumber(reason, state):
                return twiml_queue.enter_number(cfg, prompts, urls, state, reason)
            case BackToQueue(state, after_failed_number):
                return twiml_queue.back_to_queue(
                    prompts, urls, state, after_failed_number=after_failed_number
                )


def next_url(document: str) -> str:
    """Where Twilio goes when the caller presses a key (Gather) or not (Redirect)."""
    root = parse(document)
    gather = root.find("Gather")
    if gather is not None:
        return gather.attrib["action"]
    return root.findtext("Redirect") or ""


def test_three_wrong_menu_keys_and_silence_end_in_the_default_queue() -> None:
    glue = Glue(NumberConfig.from_json(BUSINESS, berlin_payload()), "+4915123456789")
    document = twiml.welcome_and_menu(glue.cfg, glue.prompts, glue.urls)
    for digits in ("9", None, "8"):
        document = glue.request(next_url(document), digits)
        assert verbs(parse(document)) == ["Say", "Gather", "Redirect"]
    document = glue.request(next_url(document), None)
    assert verbs(parse(document)) == ["Say", "Enqueue"]
    assert glue.enqueued == [("support", "general")]


def test_callback_on_another_number_after_one_wrong_entry() -> None:
    glue = Glue(NumberConfig.from_json(BUSINESS, berlin_payload()), "anonymous")
    hold = twiml_queue.wait_loop(
        glue.cfg,
        glue.prompts,
        glue.urls,
        queue_id="support",
        position=4,
        estimated_wait_seconds=420,
        announce=True,
        offer_callback=True,
    )
    # 1: the withheld caller cannot be called back, so the dialog asks for a number.
    document = glue.request(next_url(hold), "1")
    assert said(parse(document))[0].startswith("Unter der Nummer, von der Sie anrufen")
    document = glue.request(next_url(document), "0900123")
    assert said(parse(document))[0] == "Das ist leider keine gültige Rufnummer."
    document = glue.request(next_url(document), "0043664123456")
    assert "plus, 4 3, 6 6 4, 1 2 3 4 5 6" in said(parse(document))[0]
    # 2 re-enters; a national number is read back the national way; 1 confirms.
    document = glue.request(next_url(document), "2")
    document = glue.request(next_url(document), "030654321")
    assert "0 3 0, 6 5 4 3 2 1" in said(parse(document))[0]
    assert glue.request(next_url(document), "1") == twiml_queue.leave_queue()
    assert glue.callbacks == ["+4930654321"]
    # Twilio now requests the <Enqueue action> with QueueResult=leave.
    exit_url = glue.urls(Route.QUEUE_EXIT, {"queue": "support"})
    goodbye = parse(glue.request(exit_url))
    assert verbs(goodbye) == ["Say", "Hangup"]


def test_three_wrong_numbers_return_the_caller_to_the_hold_loop() -> None:
    glue = Glue(NumberConfig.from_json(BUSINESS, berlin_payload(language="fr")), "+4915123456789")
    document = glue.request(glue.urls(Route.CALLBACK_CHOICE, {"queue": "support"}), "2")
    for digits in ("1", "", "0044740012"):
        document = glue.request(next_url(document), digits)
    root = parse(document)
    assert verbs(root) == ["Say", "Redirect"]
    assert said(root)[0].startswith("Nous n'avons pas pu enregistrer de numéro de rappel.")
    assert root[1].text == f"{BASE_URL}/twilio/voice/wait?queue=support"
    assert glue.callbacks == []


def test_callback_on_the_calling_number_leaves_at_once() -> None:
    glue = Glue(NumberConfig.from_json(BUSINESS, berlin_payload()), "+4915123456789")
    document = glue.request(glue.urls(Route.CALLBACK_CHOICE, {"queue": "support"}), "1")
    assert verbs(parse(document)) == ["Leave"]
    assert glue.callbacks == ["+4915123456789"]
