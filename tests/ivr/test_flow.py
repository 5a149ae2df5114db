"""The IVR's decisions: menu retries and default route, the callback dialog's
counters, announcements and max wait; and the call state that carries them."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringback.ivr.callback_number import CallbackNumberRejected, RejectReason
from ringback.ivr.config import Greeting, Intent, NumberConfig
from ringback.ivr.flow import (
    MENU_REPROMPTS,
    NUMBER_ATTEMPTS,
    READ_BACK_ATTEMPTS,
    CallbackChoice,
    ConfirmStep,
    MenuProblem,
    MenuStep,
    NumberStep,
    QueueResult,
    announcement_due,
    caller_callback_number,
    decide_callback_choice,
    decide_callback_number,
    decide_confirmation,
    decide_menu,
    max_wait_reached,
)
from ringback.ivr.state import CallState
from ringback.ivr.urls import DEFAULT_PATHS, Route, UrlBuilder
from tests.ivr.conftest import BUSINESS, berlin_payload


def test_menu_key_routes_to_its_queue_with_intent(cfg: NumberConfig) -> None:
    decision = decide_menu(cfg, "1", CallState())
    assert (decision.step, decision.queue_id, decision.intent) == (
        MenuStep.QUEUE,
        "bookings",
        Intent.BOOKING,
    )


def test_menu_key_without_queue_uses_the_numbers_queue(cfg: NumberConfig) -> None:
    decision = decide_menu(cfg, "3", CallState())
    assert (decision.queue_id, decision.intent) == ("support", Intent.TICKET)


def test_message_option_speaks_and_resets_the_retry_count(cfg: NumberConfig) -> None:
    decision = decide_menu(cfg, "2", CallState(menu_attempt=2))
    assert decision.step is MenuStep.MESSAGE
    assert decision.message == Greeting(text="Wir sind immer da.")
    assert decision.state.menu_attempt == 0


def test_number_without_menu_goes_straight_to_its_queue() -> None:
    cfg = NumberConfig.from_json(BUSINESS, {"queue_id": "front"})
    decision = decide_menu(cfg, None, CallState())
    assert (decision.step, decision.queue_id, decision.intent) == (
        MenuStep.QUEUE,
        "front",
        Intent.GENERAL,
    )


def test_missing_and_wrong_keys_reprompt_three_times_then_take_the_default_route(
    cfg: NumberConfig,
) -> None:
    state = CallState()
    seen = []
    for digits in (None, "9", "", "#"):
        decision = decide_menu(cfg, digits, state)
        seen.append((decision.step, decision.problem))
        state = decision.state
    assert seen == [
        (MenuStep.RETRY, MenuProblem.NO_INPUT),
        (MenuStep.RETRY, MenuProblem.INVALID),
        (MenuStep.RETRY, MenuProblem.NO_INPUT),
        (MenuStep.DEFAULT_ROUTE, MenuProblem.INVALID),
    ]
    assert MENU_REPROMPTS == 3
    assert decision.queue_id == "support"
    assert decision.intent is Intent.GENERAL


def test_a_right_key_after_wrong_ones_still_routes(cfg: NumberConfig) -> None:
    decision = decide_menu(cfg, "1", CallState(menu_attempt=MENU_REPROMPTS))
    assert decision.step is MenuStep.QUEUE


@pytest.mark.parametrize(
    ("digits", "choice"),
    [
        ("1", CallbackChoice.SAME_NUMBER),
        ("2", CallbackChoice.OTHER_NUMBER),
        ("3", CallbackChoice.KEEP_WAITING),
        ("7", CallbackChoice.KEEP_WAITING),
        (None, CallbackChoice.KEEP_WAITING),
    ],
)
def test_callback_offer_keys(cfg: NumberConfig, digits: str | None, choice: CallbackChoice) -> None:
    assert decide_callback_choice(cfg, digits) is choice


def test_digital_line_ignores_callback_keys() -> None:
    cfg = NumberConfig.from_json(BUSINESS, {"line_type": "digital"})
    assert decide_callback_choice(cfg, "1") is CallbackChoice.KEEP_WAITING
    with pytest.raises(CallbackNumberRejected):
        caller_callback_number(cfg, "+4915123456789")


def test_callers_own_number_is_checked_like_any_other(cfg: NumberConfig) -> None:
    assert caller_callback_number(cfg, "+4915123456789") == "+4915123456789"
    for caller, reason in [
        ("anonymous", RejectReason.UNPARSEABLE),
        (None, RejectReason.UNPARSEABLE),
        ("+447400123456", RejectReason.COUNTRY_NOT_ALLOWED),
    ]:
        with pytest.raises(CallbackNumberRejected) as caught:
            caller_callback_number(cfg, caller)
        assert caught.value.reason is reason


def test_good_number_is_kept_in_the_state_for_read_back(cfg: NumberConfig) -> None:
    decision = decide_callback_number(cfg, "015123456789", CallState(queue="support"))
    assert decision.step is NumberStep.READ_BACK
    assert decision.state == CallState(number="+4915123456789", queue="support")


def test_three_wrong_numbers_give_up_each_with_its_reason(cfg: NumberConfig) -> None:
    premium = phonenumbers.format_number(
        phonenumbers.example_number_for_type("DE", PhoneNumberType.PREMIUM_RATE),
        PhoneNumberFormat.E164,
    )
    state = CallState(queue="support")
    results = []
    for digits in ("12", "00" + premium[1:], "00447400123456"):
        decision = decide_callback_number(cfg, digits, state)
        results.append((decision.step, decision.reason))
        state = decision.state
    assert results == [
        (NumberStep.RETRY, RejectReason.UNPARSEABLE),
        (NumberStep.RETRY, RejectReason.PREMIUM_OR_SHARED_COST),
        (NumberStep.GIVE_UP, RejectReason.COUNTRY_NOT_ALLOWED),
    ]
    assert NUMBER_ATTEMPTS == 3
    assert state.queue == "support"


def test_confirming_returns_the_number(cfg: NumberConfig) -> None:
    state = CallState(number="+4915123456789", queue="support")
    decision = decide_confirmation(cfg, "1", state)
    assert (decision.step, decision.number) == (ConfirmStep.CONFIRMED, "+4915123456789")


def test_two_reenters_without_counting_a_wrong_number(cfg: NumberConfig) -> None:
    state = CallState(number="+4915123456789", number_attempt=1, confirm_attempt=1)
    decision = decide_confirmation(cfg, "2", state)
    assert decision.step is ConfirmStep.REENTER
    assert decision.state == CallState(number_attempt=1)


def test_unanswered_read_back_repeats_then_gives_up(cfg: NumberConfig) -> None:
    state = CallState(number="+4915123456789")
    steps = []
    for _ in range(READ_BACK_ATTEMPTS):
        decision = decide_confirmation(cfg, None, state)
        steps.append(decision.step)
        state = decision.state
    assert steps == [ConfirmStep.REPEAT, ConfirmStep.REPEAT, ConfirmStep.GIVE_UP]


def test_confirmation_rechecks_the_number_against_the_current_allow_list() -> None:
    narrowed = NumberConfig.from_json(
        BUSINESS, berlin_payload(callback={"enabled": True, "allowed_countries": ["AT"]})
    )
    decision = decide_confirmation(narrowed, "1", CallState(number="+4915123456789"))
    assert decision.step is ConfirmStep.REENTER
    assert decision.reason is RejectReason.COUNTRY_NOT_ALLOWED


def test_announcements_on_joining_and_then_at_the_interval(cfg: NumberConfig) -> None:
    assert announcement_due(cfg, None)
    assert not announcement_due(cfg, 59.9)
    assert announcement_due(cfg, 60)
    once = NumberConfig.from_json(BUSINESS, {"announce_every_seconds": None})
    assert announcement_due(once, None)
    assert not announcement_due(once, 10_000)


def test_max_wait(cfg: NumberConfig) -> None:
    assert not max_wait_reached(cfg, 599)
    assert max_wait_reached(cfg, 600)
    unlimited = NumberConfig.from_json(BUSINESS, {"max_wait_seconds": None})
    assert not max_wait_reached(unlimited, 10**9)


def test_queue_result_parsing_never_raises() -> None:
    assert QueueResult.parse("leave") is QueueResult.LEAVE
    assert QueueResult.parse("bridging-in-process") is QueueResult.BRIDGING_IN_PROCESS
    assert QueueResult.parse("weird") is QueueResult.ERROR
    assert QueueResult.parse(None) is QueueResult.ERROR


def test_call_state_round_trips_through_query_params() -> None:
    state = CallState(2, 1, 1, "+4915123456789", "support")
    assert CallState.from_params(state.to_params()) == state
    assert CallState().to_params() == {}


@pytest.mark.parametrize(
    "params",
    [
        {"menu_attempt": "x", "number": "4915", "queue": "{q:x}"},
        {"menu_attempt": "-1", "number": "+49151 23", "queue": "a" * 65},
        {"menu_attempt": "1\n", "number": "+4915123456789\n", "queue": "ok\n"},
        {"menu_attempt": "٣"},
    ],
)
def test_garbage_call_state_becomes_the_default(params: dict[str, str]) -> None:
    assert CallState.from_params(params) == CallState()


def test_large_counters_are_capped() -> None:
    assert CallState.from_params({"number_attempt": "99"}).number_attempt == 9


def test_url_builder_puts_state_in_a_sorted_query_string() -> None:
    urls = UrlBuilder("https://rb.example.com/")
    url = urls(Route.CALLBACK_CONFIRM, CallState(number="+4915123456789", queue="q").to_params())
    assert (
        url
        == "https://rb.example.com/twilio/voice/callback/confirm?number=%2B4915123456789&queue=q"
    )
    assert urls(Route.WAIT) == "https://rb.example.com/twilio/voice/wait"


def test_url_builder_needs_a_path_for_every_route() -> None:
    paths = dict(DEFAULT_PATHS)
    del paths[Route.VOICEMAIL]
    with pytest.raises(ValueError, match="voicemail"):
        UrlBuilder("https://rb.example.com", paths)
