"""Keypad callback numbers and the toll-fraud guard, with phonenumbers' own
example numbers for each kind of line."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringback.ivr.callback_number import (
    CallbackNumberRejected,
    RejectReason,
    check_outbound_allowed,
    is_toll_fraud_risk,
    parse_callback_number,
)

BERLIN = "+493088776655"
NEW_JERSEY = "+12015550123"
EUROPE = ("DE", "AT", "FR", "GB", "CH")


def example(region: str, kind: int) -> str:
    """``kind`` is a ``PhoneNumberType`` constant."""
    number = phonenumbers.example_number_for_type(region, kind)
    assert number is not None, f"phonenumbers has no {kind} example for {region}"
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def keypad(e164: str) -> str:
    """How a caller abroad keys a number: 00 instead of +."""
    return "00" + e164[1:]


def rejection(digits: str, business: str = BERLIN, allowed=EUROPE) -> RejectReason:
    with pytest.raises(CallbackNumberRejected) as caught:
        parse_callback_number(digits, business, allowed)
    return caught.value.reason


@pytest.mark.parametrize(
    "digits",
    ["+4915123456789", "004915123456789", "*4915123456789", "015123456789", "015123456789#"],
)
def test_german_mobile_is_accepted_with_plus_00_star_or_nationally(digits: str) -> None:
    assert parse_callback_number(digits, BERLIN, ["DE"]) == "+4915123456789"


def test_national_format_is_read_in_the_business_numbers_country() -> None:
    assert parse_callback_number("0612345678", "+33123456789", ["FR"]) == "+33612345678"
    assert parse_callback_number("2015550199", NEW_JERSEY, ["US"]) == "+12015550199"


def test_home_countrys_own_international_prefix_works() -> None:
    assert parse_callback_number("011442071234567", NEW_JERSEY, ["GB"]) == "+442071234567"
    assert parse_callback_number("00442071234567", NEW_JERSEY, ["GB"]) == "+442071234567"


@pytest.mark.parametrize("digits", ["", "#", "12", "12*34", "+", "0049-30", "abc", "1" * 18])
def test_keypad_garbage_is_unparseable(digits: str) -> None:
    assert rejection(digits) is RejectReason.UNPARSEABLE


def test_too_short_number_is_invalid() -> None:
    assert rejection("0301") is RejectReason.INVALID
    assert rejection("0049301") is RejectReason.INVALID


@pytest.mark.parametrize("region", ["GB", "FR", "DE"])
def test_premium_rate_examples_are_refused(region: str) -> None:
    number = example(region, PhoneNumberType.PREMIUM_RATE)
    assert rejection(keypad(number)) is RejectReason.PREMIUM_OR_SHARED_COST
    assert is_toll_fraud_risk(number)


@pytest.mark.parametrize("region", ["FR", "DE", "CH", "AT"])
def test_shared_cost_examples_are_refused(region: str) -> None:
    number = example(region, PhoneNumberType.SHARED_COST)
    assert rejection(keypad(number)) is RejectReason.PREMIUM_OR_SHARED_COST
    assert is_toll_fraud_risk(number)


def test_premium_rate_keyed_nationally_is_refused() -> None:
    premium = phonenumbers.example_number_for_type("DE", PhoneNumberType.PREMIUM_RATE)
    assert premium is not None
    national = phonenumbers.format_number(premium, PhoneNumberFormat.NATIONAL).replace(" ", "")
    assert rejection(national) is RejectReason.PREMIUM_OR_SHARED_COST


@pytest.mark.parametrize("region", ["GB", "FR", "DE"])
def test_mobiles_and_landlines_are_no_toll_fraud_risk(region: str) -> None:
    for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
        number = example(region, kind)
        assert not is_toll_fraud_risk(number)
        assert parse_callback_number(keypad(number), BERLIN, EUROPE) == number


def test_number_outside_allowed_countries_is_refused() -> None:
    london = example("GB", PhoneNumberType.MOBILE)
    assert rejection(keypad(london), allowed=["DE"]) is RejectReason.COUNTRY_NOT_ALLOWED
    # A Caribbean number shares +1 with the US but is its own country.
    jamaica = example("JM", PhoneNumberType.FIXED_LINE)
    assert rejection(keypad(jamaica), NEW_JERSEY, ["US"]) is RejectReason.COUNTRY_NOT_ALLOWED


def test_allowed_countries_are_compared_case_insensitively() -> None:
    assert parse_callback_number("+4915123456789", BERLIN, ["de"]) == "+4915123456789"


def test_check_outbound_allowed_refuses_what_twilio_sends_for_hidden_callers() -> None:
    for caller in ("anonymous", "client:alice", "sip:bob@example.com", "", "266696687"):
        with pytest.raises(CallbackNumberRejected) as caught:
            check_outbound_allowed(caller, ["DE"])
        assert caught.value.reason is RejectReason.UNPARSEABLE


def test_check_outbound_allowed_returns_canonical_e164() -> None:
    assert check_outbound_allowed("+49 151 23456789", ["DE"]) == "+4915123456789"
    with pytest.raises(CallbackNumberRejected) as caught:
        check_outbound_allowed(example("DE", PhoneNumberType.PREMIUM_RATE), ["DE"])
    assert caught.value.reason is RejectReason.PREMIUM_OR_SHARED_COST


def test_invalid_and_unparseable_numbers_count_as_risky() -> None:
    assert is_toll_fraud_risk("+49301")
    assert is_toll_fraud_risk("not a number")


# Issue 17, toll fraud: kinds of numbers that passed the guard before.

PERSONAL_GB = "+447012345678"  # +44 70: UK personal numbers
PERSONAL_DE = "+4970012345678"  # +49 700: German personal numbers
UAN_GB = "+445512345678"  # +44 55: UK corporate numbering (UAN)
GLOBAL = ["+881612345678", "+88213001234", "+883510012345", "+870773111632"]


@pytest.mark.parametrize("number", [PERSONAL_GB, PERSONAL_DE])
def test_personal_numbers_are_refused(number: str) -> None:
    assert rejection(keypad(number)) is RejectReason.PERSONAL_OR_UAN
    with pytest.raises(CallbackNumberRejected) as caught:
        check_outbound_allowed(number, EUROPE)
    assert caught.value.reason is RejectReason.PERSONAL_OR_UAN
    assert is_toll_fraud_risk(number)


def test_personal_number_keyed_nationally_is_refused() -> None:
    assert rejection("070012345678") is RejectReason.PERSONAL_OR_UAN


def test_uk_universal_access_numbers_are_refused() -> None:
    assert rejection(keypad(UAN_GB)) is RejectReason.PERSONAL_OR_UAN
    assert is_toll_fraud_risk(UAN_GB)


@pytest.mark.parametrize("number", GLOBAL)
def test_satellite_and_international_network_numbers_are_refused(number: str) -> None:
    assert phonenumbers.is_valid_number(phonenumbers.parse(number))
    assert rejection(keypad(number)) is RejectReason.SATELLITE_OR_GLOBAL
    with pytest.raises(CallbackNumberRejected) as caught:
        check_outbound_allowed(number, EUROPE)
    assert caught.value.reason is RejectReason.SATELLITE_OR_GLOBAL
    assert is_toll_fraud_risk(number)


def test_the_business_number_itself_is_refused_as_callback_number() -> None:
    assert rejection("03088776655") is RejectReason.OWN_NUMBER
    assert rejection(keypad(BERLIN)) is RejectReason.OWN_NUMBER


def test_every_own_number_of_the_business_is_refused() -> None:
    own = {BERLIN, "+4940123456"}
    with pytest.raises(CallbackNumberRejected) as caught:
        parse_callback_number("040123456", BERLIN, EUROPE, own)
    assert caught.value.reason is RejectReason.OWN_NUMBER
    with pytest.raises(CallbackNumberRejected) as caught:
        check_outbound_allowed("+49 40 123456", EUROPE, own)
    assert caught.value.reason is RejectReason.OWN_NUMBER
    assert check_outbound_allowed("+4915123456789", EUROPE, own) == "+4915123456789"
