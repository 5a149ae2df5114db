"""The field rules a number configuration must keep, as small checkers.

Each checker takes the ``Problems`` collector, the dotted path of the field
(``greetings.welcome.audio_url``, ``menu.0.digit``) and the raw JSON value; it
returns the clean value, or ``None`` after recording what the rule is. Callers
carry on after a failure so one request reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import urlsplit

import phonenumbers

from ringback.errors import ValidationError

E = TypeVar("E", bound=Enum)

QUEUE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{2}))?$")
MENU_DIGIT = re.compile(r"^[0-9*]$")
MAX_TEXT = 1000
MAX_URL = 2000


class Problems:
    """Collects ``{field path: rule}``; the first problem found for a path wins."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, path: str, rule: str) -> None:
        self.errors.setdefault(path, rule)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def sub(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def json_object(
    p: Problems, path: str, value: Any, known: Iterable[str]
) -> Mapping[str, Any] | None:
    """A JSON object whose keys are all known (typos must not pass silently).
    The request body itself has the empty path and is reported as "body"."""
    if not isinstance(value, dict):
        p.add(path or "body", "must be a JSON object")
        return None
    known_keys = set(known)
    for key in value:
        if key not in known_keys:
            p.add(sub(path, key), "is not a known field")
    return value


def json_list(p: Problems, path: str, value: Any, max_items: int) -> list[Any] | None:
    if not isinstance(value, list):
        p.add(path, "must be a JSON list")
        return None
    if len(value) > max_items:
        p.add(path, f"must have at most {max_items} entries")
        return None
    return value


def text(p: Problems, path: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        p.add(path, f"must be non-empty text of at most {MAX_TEXT} characters")
        return None
    return value


def http_url(p: Problems, path: str, value: Any) -> str | None:
    """An absolute http(s) URL Twilio can fetch."""
    if isinstance(value, str) and len(value) <= MAX_URL and not any(c.isspace() for c in value):
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts and parts.scheme in ("http", "https") and parts.hostname:
            return value
    p.add(path, "must be an http(s) URL")
    return None


def boolean(p: Problems, path: str, value: Any) -> bool | None:
    if not isinstance(value, bool):
        p.add(path, "must be true or false")
        return None
    return value


def whole_number(p: Problems, path: str, value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        p.add(path, f"must be a whole number of seconds from {low} to {high}, or null")
        return None
    return value


def choice(p: Problems, path: str, value: Any, enum: type[E]) -> E | None:
    try:
        return enum(value)
    except (ValueError, TypeError):
        names = ", ".join(str(member.value) for member in enum)
        p.add(path, f"must be one of {names}")
        return None


def queue_id(p: Problems, path: str, value: Any) -> str | None:
    """Queue ids name Twilio queues (64 characters at most) and Redis hash tags."""
    if not isinstance(value, str) or not QUEUE_ID.fullmatch(value):
        p.add(path, "must be 1 to 64 letters, digits, '-' or '_'")
        return None
    return value


def language(p: Problems, path: str, value: Any) -> str | None:
    """A language tag like "de" or "de-AT", normalised to lower-case language, upper region."""
    match = LANGUAGE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        p.add(path, 'must be a language tag like "en", "de" or "fr-CH", or null')
        return None
    lang, region = match.groups()
    return f"{lang.lower()}-{region.upper()}" if region else lang.lower()


def country(p: Problems, path: str, value: Any) -> str | None:
    code = value.upper() if isinstance(value, str) else None
    if code is None or code not in phonenumbers.SUPPORTED_REGIONS:
        p.add(path, "must be an ISO 3166-1 alpha-2 country code such as DE")
        return None
    return code


def menu_digit(p: Problems, path: str, value: Any) -> str | None:
    """One keypad key; '#' ends input on Twilio's <Gather>, so it cannot be an option."""
    if not isinstance(value, str) or not MENU_DIGIT.fullmatch(value):
        p.add(path, "must be one key: 0-9 or *")
        return None
    return value


def e164(p: Problems, path: str, value: Any) -> str | None:
    """A valid number written exactly in E.164 (``+`` and digits only)."""
    if isinstance(value, str) and value.startswith("+"):
        try:
            number = phonenumbers.parse(value)
        except phonenumbers.NumberParseException:
            number = None
        if (
            number is not None
            and phonenumbers.is_valid_number(number)
            and phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == value
        ):
            return value
    p.add(path, "must be a valid phone number in E.164 form, such as +493012345678")
    return None
