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
    AskForNumber,
    BackToQueue,
    CallbackChoice,
    ConfirmDecision,
    Confirmed,
    JoinQueue,
    MenuDecision,
    MenuProblem,
    NumberDecision,
    PlayMessage,
    QueueResult,
    ReadBack,
    RepeatMenu,
    announcement_due,
    caller_callback_number,
    decide_callback_choice,
    decide_callback_number,
    decide_confirmation,
    decide_menu,
    max_wait_reached,
    max_wait_seconds,
)
from ringback.ivr.state import CallState
from ringback.ivr.urls import DEFAULT_PATHS, Route, UrlBuilder
from tests.ivr.conftest import BUSINESS, berlin_payload


def test_menu_key_routes_to_its_queue_with_intent(cfg: NumberConfig) -> None:
    assert decide_menu(cfg, "1", CallState()) == JoinQueue("bookings", Intent.BOOKING)


def test_menu_key_without_queue_uses_the_numbers_queue(cfg: NumberConfig) -> None:
    assert decide_menu(cfg, "3", CallState()) == JoinQueue("support", Intent.TICKET)


def test_message_option_speaks_and_resets_the_retry_count(cfg: NumberConfig) -> None:
    decision = decide_menu(cfg, "2", CallState(menu_attempt=2))
    assert decision == PlayMessage(Greeting(text="Wir sind immer da."), CallState())


def test_number_without_menu_goes_straight_to_its_queue() -> None:
    cfg = NumberConfig.from_json(BUSINESS, {"queue_id": "front"})
    assert decide_menu(cfg, None, CallState()) == JoinQueue("front", Intent.GENERAL)


def test_missing_and_wrong_keys_reprompt_three_times_then_take_the_default_route(
    cfg: NumberConfig,
) -> None:
    state = CallState()
    seen: list[MenuDecision] = []
    for digits in (None, "9", "", "#"):
        decision = decide_menu(cfg, digits, state)
        seen.append(decision)
        if isinstance(decision, RepeatMenu):
            state = decision.state
    assert MENU_REPROMPTS == 3
    assert seen == [
        RepeatMenu(MenuProblem.NO_INPUT, CallState(menu_attempt=1)),
        RepeatMenu(MenuProblem.INVALID, CallState(menu_attempt=2)),
        RepeatMenu(MenuProblem.NO_INPUT, CallState(menu_attempt=3)),
        JoinQueue("support", Intent.GENERAL, default_route=True),
    ]


def test_a_right_key_after_wrong_ones_still_routes(cfg: NumberConfig) -> None:
    decision = decide_menu(cfg, "1", CallState(menu_attempt=MENU_REPROMPTS))
    assert decision == JoinQueue("bookings", Intent.BOOKING)


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
    assert decision == ReadBack(
        "+4915123456789", CallState(number="+4915123456789", queue="support")
    )


def test_three_wrong_numbers_go_back_to_the_queue_each_with_its_reason(
    cfg: NumberConfig,
) -> None:
    premium = phonenumbers.example_number_for_type("DE", PhoneNumberType.PREMIUM_RATE)
    assert premium is not None
    keyed_premium = "00" + phonenumbers.format_number(premium, PhoneNumberFormat.E164)[1:]
    state = CallState(queue="support")
    seen: list[NumberDecision] = []
    for digits in ("12", keyed_premium, "00447400123456"):
        decision = decide_callback_number(cfg, digits, state)
        seen.append(decision)
        state = decision.state
    assert NUMBER_ATTEMPTS == 3
    assert seen == [
        AskForNumber(RejectReason.UNPARSEABLE, CallState(number_attempt=1, queue="support")),
        AskForNumber(
            RejectReason.PREMIUM_OR_SHARED_COST, CallState(number_attempt=2, queue="support")
        ),
        BackToQueue(CallState(number_attempt=3, queue="support"), after_failed_number=True),
    ]


def test_confirming_returns_the_number(cfg: NumberConfig) -> None:
    state = CallState(number="+4915123456789", queue="support")
    assert decide_confirmation(cfg, "1", state) == Confirmed("+4915123456789", state)


def test_two_reenters_without_counting_a_wrong_number(cfg: NumberConfig) -> None:
    state = CallState(number="+4915123456789", number_attempt=1, confirm_attempt=1)
    decision = decide_confirmation(cfg, "2", state)
    assert decision == AskForNumber(None, CallState(number_attempt=1))


def test_unanswered_read_back_repeats_then_goes_back_to_the_queue(cfg: NumberConfig) -> None:
    state = CallState(number="+4915123456789")
    seen: list[ConfirmDecision] = []
    for _ in range(READ_BACK_ATTEMPTS):
        decision = decide_confirmation(cfg, None, state)
        seen.append(decision)
        state = decision.state
    assert seen == [
        ReadBack("+4915123456789", CallState(confirm_attempt=1, number="+4915123456789")),
        ReadBack("+4915123456789", CallState(confirm_attempt=2, number="+4915123456789")),
        BackToQueue(CallState(confirm_attempt=3, number="+4915123456789")),
    ]


def test_confirmation_rechecks_the_number_against_the_current_allow_list() -> None:
    narrowed = NumberConfig.from_json(
        BUSINESS, berlin_payload(callback={"enabled": True, "allowed_countries": ["AT"]})
    )
    decision = decide_confirmation(narrowed, "1", CallState(number="+4915123456789"))
    assert decision == AskForNumber(RejectReason.COUNTRY_NOT_ALLOWED, CallState())


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


def test_a_callers_max_wait_is_the_shorter_of_the_numbers_and_the_queues(
    cfg: NumberConfig,
) -> None:
    assert max_wait_seconds(cfg, 1800) == 600
    assert max_wait_seconds(cfg, 300) == 300
    assert max_wait_seconds(cfg, None) == 600
    unlimited = NumberConfig.from_json(BUSINESS, {"max_wait_seconds": None})
    assert max_wait_seconds(unlimited, 1800) == 1800
    assert max_wait_seconds(unlimited, None) is None


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
