"""Callback numbers: reading what a caller keyed in, and the toll-fraud guard.

A keypad has no "+", so a caller keys a number abroad as ``00`` and the
country code (``0044 20 7946 0000``), or ``*`` in place of ``+`` (``*44...``);
a number in the business number's own country may be keyed the national way
(``030 1234567`` for a German business number), and that country's own
international prefix works too (``011 44...`` for a US business number).
``#`` ends the entry.

Every outbound callback goes through ``check_outbound_allowed``: the number
must be valid, must not be premium-rate or shared-cost (callers could
otherwise make us dial numbers that earn them money), and must be in one of
the countries the business number allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

from ringback.errors import RingbackError

# Numbers we never call back: the caller, not us, chooses who is paid for the call.
TOLL_FRAUD_TYPES = frozenset({PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST})

# Keypad input: an optional "+" (or "*" for it), then digits; 17 covers "00" + 15 digits.
KEYPAD_NUMBER = re.compile(r"^[+*]?[0-9]{3,17}$")


class RejectReason(str, Enum):
    """Why a callback number was refused; each has a prompt telling the caller."""

    UNPARSEABLE = "unparseable"
    INVALID = "invalid"
    PREMIUM_OR_SHARED_COST = "premium_or_shared_cost"
    COUNTRY_NOT_ALLOWED = "country_not_allowed"


class CallbackNumberRejected(RingbackError):
    """The number cannot be called back; ``reason`` says which rule it broke."""

    def __init__(self, reason: RejectReason, number: str = "") -> None:
        self.reason = reason
        self.number = number
        super().__init__(f"callback number {number!r} rejected: {reason.value}")


def parse_callback_number(digits: str, business_e164: str, allowed_countries: Iterable[str]) -> str:
    """The E.164 form of keypad ``digits``, or ``CallbackNumberRejected``.

    National numbers are read in the country of ``business_e164``.
    """
    keyed = (digits or "").strip().rstrip("#")
    if not KEYPAD_NUMBER.fullmatch(keyed):
        raise CallbackNumberRejected(RejectReason.UNPARSEABLE, keyed)
    if keyed.startswith("*"):
        keyed = "+" + keyed[1:]
    elif keyed.startswith("00"):
        # "00" is the international prefix nearly everywhere, and no national
        # number starts with it; phonenumbers alone only knows the home
        # country's own prefix (011 in the US).
        keyed = "+" + keyed[2:]
    home = _region_of(business_e164)
    try:
        number = phonenumbers.parse(keyed, None if keyed.startswith("+") else home)
    except phonenumbers.NumberParseException:
        raise CallbackNumberRejected(RejectReason.UNPARSEABLE, keyed) from None
    return _check(number, allowed_countries, keyed)


def check_outbound_allowed(e164: str, allowed_countries: Iterable[str]) -> str:
    """Gate for every outbound callback: returns the canonical E.164 or raises
    ``CallbackNumberRejected``. ``e164`` may be anything Twilio sends as ``From``
    (``anonymous``, ``client:alice``), which is refused as unparseable."""
    text = (e164 or "").strip()
    if not text.startswith("+"):
        raise CallbackNumberRejected(RejectReason.UNPARSEABLE, text)
    try:
        number = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        raise CallbackNumberRejected(RejectReason.UNPARSEABLE, text) from None
    return _check(number, allowed_countries, text)


def is_toll_fraud_risk(e164: str) -> bool:
    """True for premium-rate and shared-cost numbers, and for anything that is
    not a valid number at all (we cannot tell what it would cost)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return True
    if not phonenumbers.is_valid_number(number):
        return True
    return phonenumbers.number_type(number) in TOLL_FRAUD_TYPES


def _check(number: PhoneNumber, allowed_countries: Iterable[str], keyed: str) -> str:
    if not phonenumbers.is_valid_number(number):
        raise CallbackNumberRejected(RejectReason.INVALID, keyed)
    if phonenumbers.number_type(number) in TOLL_FRAUD_TYPES:
        raise CallbackNumberRejected(RejectReason.PREMIUM_OR_SHARED_COST, keyed)
    allowed = {country.upper() for country in allowed_countries}
    if phonenumbers.region_code_for_number(number) not in allowed:
        raise CallbackNumberRejected(RejectReason.COUNTRY_NOT_ALLOWED, keyed)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _region_of(e164: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None
