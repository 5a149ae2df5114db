"""The booking self-service menu: 1 keeps, 2 cancels, 3 connects; spoken dates per language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ringback.ivr import appointment
from ringback.ivr.flow import MENU_REPROMPTS
from ringback.ivr.prompts import load_prompts
from ringback.ivr.state import CallState
from ringback.ivr.urls import Route, UrlBuilder

URLS = UrlBuilder("https://ringback.example")


def test_one_keeps_two_cancels_the_offered_booking_three_connects() -> None:
    state = CallState(queue="bookings", booking=42)
    assert appointment.decide("1", state) == appointment.Keep()
    assert appointment.decide("2", state) == appointment.Cancel(42)
    assert appointment.decide("3", state) == appointment.SpeakToSomeone()


def test_nothing_or_another_key_asks_again_until_the_caller_is_put_through() -> None:
    state = CallState(queue="bookings", booking=42)
    for attempt in range(MENU_REPROMPTS):
        decision = appointment.decide(None if attempt % 2 else "7", state)
        assert isinstance(decision, appointment.AskAgain)
        state = decision.state
        assert state.menu_attempt == attempt + 1
    assert appointment.decide(None, state) == appointment.SpeakToSomeone()


def test_two_without_a_booking_in_the_state_cancels_nothing() -> None:
    assert isinstance(appointment.decide("2", CallState(queue="bookings")), appointment.AskAgain)


def test_the_booking_travels_in_the_signed_url_and_garbage_is_dropped() -> None:
    assert CallState.from_params(CallState(booking=7).to_params()).booking == 7
    for garbage in ("0", "-1", "x", "1" * 12, "07"):
        assert CallState.from_params({"booking": garbage}).booking is None


@pytest.mark.parametrize(("language", "spoken"), [
    ("en", "Tuesday, March 2"), ("de", "Dienstag, den 2. März"), ("fr", "mardi 2 mars")])
def test_dates_are_spoken_the_way_each_language_says_them(language: str, spoken: str) -> None:
    assert load_prompts(language).spoken_day(date(2027, 3, 2)) == spoken


def test_the_offer_reads_the_appointment_in_local_time_and_gathers_one_key() -> None:
    starts = datetime(2027, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    xml = appointment.offer(load_prompts("de"), URLS,
                            appointment.Appointment(5, "Haarschnitt", "Berlin", starts),
                            CallState(queue="bookings"))
    assert "Haarschnitt in Berlin, ist am Dienstag, den 2. März um 09:30" in xml
    assert 'numDigits="1"' in xml
    action = URLS(Route.APPOINTMENT, {"booking": "5", "queue": "bookings"}).replace("&", "&amp;")
    assert xml.count(action) == 2  # the <Gather> and the no-input <Redirect>
