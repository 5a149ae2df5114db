"""Phone numbers of customer users: however they are written, one E.164 form.

A number written with its country code (``+49 30 1234567``, or ``0049 30
1234567`` with the international prefix written as 00) needs no region. A
number written the national way (``030 1234567``) is read in a region: the
business number's country when the lookup comes from a call, the ``region``
field for API and CSV input. Without a region such a number cannot be read,
so input is refused and a lookup finds nobody: guessing a country would
attach callers to the wrong people.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat

# Characters people write inside a number; anything else is not a number.
WRITTEN = re.compile(r"^\+?[0-9 ()./\-]+$")
REGION_RULE = "must be a two-letter country code such as DE, GB or US"
NUMBER_RULE = ("must be a phone number, written with its country code (+49 30 1234567) "
               "or the national way together with a region")
NO_REGION_RULE = ("has no country code: write it as +49 30 1234567 "
                  "or give the region it is written in")


class PhoneNumberRefused(ValueError):
    """The text is not a phone number ringback can store; the message is the rule."""


def check_region(value: object) -> str | None:
    """The region as phonenumbers knows it (upper case), None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().upper() in phonenumbers.SUPPORTED_REGIONS:
        return value.strip().upper()
    raise PhoneNumberRefused(REGION_RULE)


def to_e164(raw: object, region: str | None = None) -> str:
    """``raw`` in E.164, or PhoneNumberRefused naming what is wrong."""
    if not isinstance(raw, str) or not WRITTEN.match(raw.strip()):
        raise PhoneNumberRefused(NUMBER_RULE)
    text = raw.strip()
    international = text.startswith("+") or _digits(text).startswith("00")
    if region is None and not international:
        raise PhoneNumberRefused(NO_REGION_RULE)
    for candidate, in_region in _readings(text, region):
        try:
            number = phonenumbers.parse(candidate, in_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    raise PhoneNumberRefused(NUMBER_RULE)


def caller_e164(raw: object, region: str | None = None) -> str | None:
    """``raw`` in E.164 for a lookup, None when it cannot be read (nobody matches)."""
    try:
        return to_e164(raw, region)
    except PhoneNumberRefused:
        return None


def _readings(text: str, region: str | None) -> list[tuple[str, str | None]]:
    """The ways to read ``text``: as written in its region, then 00 taken as +."""
    readings: list[tuple[str, str | None]] = []
    if text.startswith("+") or region is not None:
        readings.append((text, region))
    digits = _digits(text)
    if digits.startswith("00"):
        # 00 is the international prefix in most of the world, whatever the region.
        readings.append(("+" + digits[2:], None))
    return readings


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)
