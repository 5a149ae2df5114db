"""Callback numbers: reading what a caller keyed in, and the toll-fraud guard.

A keypad has no "+", so a caller keys a number abroad as ``00`` and the
country code (``0044 20 7946 0000``), or ``*`` in place of ``+`` (``*44...``);
a number in the business number's own country may be keyed the national way
(``030 1234567`` for a German business number), and that country's own
international prefix works too (``011 44...`` for a US business number).
``#`` ends the entry.

Every outbound callback goes through ``check_outbound_allowed``, the
toll-fraud guard: callers could otherwise make us dial numbers that earn
them money.  The number must be valid; must not be of a kind whose caller
pays a third party (``REFUSED_TYPES``: premium-rate, shared-cost, personal
numbers and universal access numbers, as phonenumbers classifies them); must
not be on a non-geographic country calling code (``+881`` satellite phones,
``+882``/``+883`` international networks and the rest of phonenumbers'
region "001"); must not be one of the business's own numbers (a callback
to ourselves would loop through our own IVR); and must be in one of the
countries the business number allows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from enum import Enum

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

from ringback.errors import RingbackError

# Keypad input: an optional "+" (or "*" for it), then digits; 17 covers "00" + 15 digits.
KEYPAD_NUMBER = re.compile(r"^[+*]?[0-9]{3,17}$")


class RejectReason(str, Enum):
    """Why a callback number was refused; each has a prompt telling the caller."""

    UNPARSEABLE = "unparseable"
    INVALID = "invalid"
    PREMIUM_OR_SHARED_COST = "premium_or_shared_cost"
    PERSONAL_OR_UAN = "personal_or_uan"
    SATELLITE_OR_GLOBAL = "satellite_or_global"
    OWN_NUMBER = "own_number"
    COUNTRY_NOT_ALLOWED = "country_not_allowed"


# Kinds of numbers we never call: the caller, not us, chooses who is paid for the call.
# Personal numbers (+44 70, +49 700) forward anywhere at a rate their owner sets;
# UANs (+44 55) are non-geographic ranges billed above a normal call.
REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: RejectReason.PREMIUM_OR_SHARED_COST,
    PhoneNumberType.SHARED_COST: RejectReason.PREMIUM_OR_SHARED_COST,
    PhoneNumberType.PERSONAL_NUMBER: RejectReason.PERSONAL_OR_UAN,
    PhoneNumberType.UAN: RejectReason.PERSONAL_OR_UAN,
}
# Country calling codes of no country (phonenumbers' region "001"): +800 and +808
# (international freephone, shared cost), +870 (Inmarsat), +878 (personal
# telecommunication), +881 (satellite phones), +882 and +883 (international
# networks), +888, +979 (international premium rate).  Calls to them cost many
# times a call to a country, and they are the favourites of toll fraud.
GLOBAL_CALLING_CODES = frozenset(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)


class CallbackNumberRejected(RingbackError):
    """The number cannot be called back; ``reason`` says which rule it broke."""

    def __init__(self, reason: RejectReason, number: str = "") -> None:
        self.reason = reason
        self.number = number
        super().__init__(f"callback number {number!r} rejected: {reason.value}")


def parse_callback_number(
    digits: str, business_e164: str, allowed_countries: Iterable[str],
    own_numbers: Collection[str] = (),
) -> str:
    """The E.164 form of keypad ``digits``, or ``CallbackNumberRejected``.

    National numbers are read in the country of ``business_e164``, which is
    also refused as a destination, as is every number in ``own_numbers``.
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
    return _check(number, allowed_countries, {business_e164, *own_numbers}, keyed)


def check_outbound_allowed(
    e164: str, allowed_countries: Iterable[str], own_numbers: Collection[str] = (),
) -> str:
    """Gate for every outbound callback: returns the canonical E.164 or raises
    ``CallbackNumberRejected``. ``e164`` may be anything Twilio sends as ``From``
    (``anonymous``, ``client:alice``), which is refused as unparseable.
    ``own_numbers`` are the business's numbers (``NumberDirectory.own_numbers``)."""
    text = (e164 or "").strip()
    if not text.startswith("+"):
        raise CallbackNumberRejected(RejectReason.UNPARSEABLE, text)
    try:
        number = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        raise CallbackNumberRejected(RejectReason.UNPARSEABLE, text) from None
    return _check(number, allowed_countries, own_numbers, text)


def costly_kind(number: PhoneNumber) -> RejectReason | None:
    """Which toll-fraud rule a valid ``number`` breaks by its kind alone, or None:
    a non-geographic calling code, or one of ``REFUSED_TYPES``."""
    if number.country_code in GLOBAL_CALLING_CODES:
        return RejectReason.SATELLITE_OR_GLOBAL
    return REFUSED_TYPES.get(phonenumbers.number_type(number))


def is_toll_fraud_risk(e164: str) -> bool:
    """True for every kind of number ``costly_kind`` refuses, and for anything
    that is not a valid number at all (we cannot tell what it would cost)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return True
    if not phonenumbers.is_valid_number(number):
        return True
    return costly_kind(number) is not None


def _check(number: PhoneNumber, allowed_countries: Iterable[str],
           own_numbers: Collection[str], keyed: str) -> str:
    if not phonenumbers.is_valid_number(number):
        raise CallbackNumberRejected(RejectReason.INVALID, keyed)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if e164 in own_numbers:
        raise CallbackNumberRejected(RejectReason.OWN_NUMBER, keyed)
    costly = costly_kind(number)
    if costly is not None:
        raise CallbackNumberRejected(costly, keyed)
    allowed = {country.upper() for country in allowed_countries}
    if phonenumbers.region_code_for_number(number) not in allowed:
        raise CallbackNumberRejected(RejectReason.COUNTRY_NOT_ALLOWED, keyed)
    return e164


def _region_of(e164: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None
