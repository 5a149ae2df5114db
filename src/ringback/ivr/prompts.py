"""Every sentence a caller or an agent can hear, per language, and how Twilio should speak it.

The sentences live in ``ringback/ivr/prompts/<language>.json`` so a
translator edits data, not code. A language is offered as soon as its file
exists; each file must carry every ``PromptKey`` (the tests hold them to it).
``prompts_for`` picks the number's language, else the account default, else
English, because a caller must always hear something they can follow.
``agent_prompts`` picks what the business's own staff hear (the whispers).
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import phonenumbers

from ringback.ivr.callback_number import RejectReason

FALLBACK_LANGUAGE = "en"


class PromptKey(str, Enum):
    """Names of the sentences; the JSON files use the values as keys."""

    WELCOME = "welcome"
    MENU_NO_INPUT = "menu_no_input"
    MENU_INVALID = "menu_invalid"
    MENU_DEFAULT_ROUTE = "menu_default_route"
    HOLD = "hold"
    POSITION = "position"
    POSITION_NEXT = "position_next"
    WAIT_MINUTES = "wait_minutes"
    WAIT_ONE_MINUTE = "wait_one_minute"
    WAIT_UNDER_MINUTE = "wait_under_minute"
    CALLBACK_OFFER = "callback_offer"
    KEEP_WAITING = "keep_waiting"
    ENTER_NUMBER = "enter_number"
    NUMBER_UNPARSEABLE = "number_unparseable"
    NUMBER_INVALID = "number_invalid"
    NUMBER_PREMIUM_OR_SHARED_COST = "number_premium_or_shared_cost"
    NUMBER_PERSONAL_OR_UAN = "number_personal_or_uan"
    NUMBER_SATELLITE_OR_GLOBAL = "number_satellite_or_global"
    NUMBER_OWN_NUMBER = "number_own_number"
    NUMBER_COUNTRY_NOT_ALLOWED = "number_country_not_allowed"
    CALLBACK_LIMIT_REACHED = "callback_limit_reached"
    CALLER_NUMBER_UNUSABLE = "caller_number_unusable"
    NUMBER_ATTEMPTS_EXHAUSTED = "number_attempts_exhausted"
    READ_BACK = "read_back"
    PLUS = "plus"
    CALLBACK_CONFIRMATION = "callback_confirmation"
    OVERFLOW = "overflow"
    VOICEMAIL = "voicemail"
    VOICEMAIL_SAVED = "voicemail_saved"
    UNKNOWN_NUMBER = "unknown_number"
    SORRY = "sorry"
    GOODBYE = "goodbye"
    # What the agent hears, in the account's language (see ``agent_prompts``).
    AGENT_WHISPER = "agent_whisper"
    AGENT_WHISPER_INTENT = "agent_whisper_intent"
    INTENT_BOOKING = "intent_booking"
    INTENT_TICKET = "intent_ticket"
    INTENT_PROBLEM = "intent_problem"
    DURATION_ONE_MINUTE = "duration_one_minute"
    DURATION_MINUTES = "duration_minutes"
    DURATION_ONE_SECOND = "duration_one_second"
    DURATION_SECONDS = "duration_seconds"
    CALLER_GONE = "caller_gone"
    CALLBACK_WHISPER = "callback_whisper"
    CALLBACK_GONE = "callback_gone"
    # The booking bridge's self-service (``ringback.booking_bridge.self_service``).
    APPOINTMENT_NEXT = "appointment_next"
    APPOINTMENT_KEPT = "appointment_kept"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_GONE = "appointment_gone"
    APPOINTMENT_DAY = "appointment_day"
    WEEKDAYS = "weekdays"  # Monday first, comma-separated
    MONTHS = "months"  # January first, comma-separated


REJECTION_PROMPTS = {
    RejectReason.UNPARSEABLE: PromptKey.NUMBER_UNPARSEABLE,
    RejectReason.INVALID: PromptKey.NUMBER_INVALID,
    RejectReason.PREMIUM_OR_SHARED_COST: PromptKey.NUMBER_PREMIUM_OR_SHARED_COST,
    RejectReason.PERSONAL_OR_UAN: PromptKey.NUMBER_PERSONAL_OR_UAN,
    RejectReason.SATELLITE_OR_GLOBAL: PromptKey.NUMBER_SATELLITE_OR_GLOBAL,
    RejectReason.OWN_NUMBER: PromptKey.NUMBER_OWN_NUMBER,
    RejectReason.COUNTRY_NOT_ALLOWED: PromptKey.NUMBER_COUNTRY_NOT_ALLOWED,
}


class PromptsError(Exception):
    """A prompts file is missing or incomplete: a packaging mistake, not caller input."""


@dataclass(frozen=True)
class Prompts:
    """The sentences of one language, plus the ``<Say>`` language and voice for them."""

    language: str
    say_language: str
    voice: str | None
    texts: MappingProxyType[str, str]

    def text(self, key: PromptKey, **values: Any) -> str:
        return self.texts[key.value].format(**values)

    def rejection(self, reason: RejectReason) -> str:
        return self.text(REJECTION_PROMPTS[reason])

    def position(self, position: int) -> str:
        if position <= 1:
            return self.text(PromptKey.POSITION_NEXT)
        return self.text(PromptKey.POSITION, position=position)

    def estimated_wait(self, seconds: float) -> str:
        """Whole minutes, rounded; callers hear "about", so precision would mislead."""
        if seconds < 60:
            return self.text(PromptKey.WAIT_UNDER_MINUTE)
        minutes = int(seconds / 60 + 0.5)
        if minutes == 1:
            return self.text(PromptKey.WAIT_ONE_MINUTE)
        return self.text(PromptKey.WAIT_MINUTES, minutes=minutes)

    def duration(self, seconds: float) -> str:
        """A wait to the second, e.g. "2 minutes 5 seconds": the agent hears how long
        the caller has been waiting. Singular forms are words ("one minute")."""
        minutes, secs = divmod(max(0, round(seconds)), 60)
        parts = []
        if minutes == 1:
            parts.append(self.text(PromptKey.DURATION_ONE_MINUTE))
        elif minutes:
            parts.append(self.text(PromptKey.DURATION_MINUTES, minutes=minutes))
        if secs == 1:
            parts.append(self.text(PromptKey.DURATION_ONE_SECOND))
        elif secs or not minutes:
            parts.append(self.text(PromptKey.DURATION_SECONDS, seconds=secs))
        return " ".join(parts)

    def spoken_day(self, day: date) -> str:
        """A date as people say it in this language, e.g. "Tuesday, March 2"."""
        weekdays = self.text(PromptKey.WEEKDAYS).split(",")
        months = self.text(PromptKey.MONTHS).split(",")
        return self.text(PromptKey.APPOINTMENT_DAY, weekday=weekdays[day.weekday()],
                         month=months[day.month - 1], day=day.day)

    def spoken_number(self, e164: str, home_region: str | None = None) -> str:
        """``e164`` digit by digit, in the groups people write it in.

        ``<Say>`` reads "4930123456" as one huge number, but "4 9, 3 0" as
        digits with a short pause at each comma. A number in ``home_region`` is
        read the national way (as the caller keyed it), others with "plus".
        """
        number = phonenumbers.parse(e164)
        national = phonenumbers.region_code_for_number(number) == home_region
        style = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if national
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        groups = re.findall(r"\+|[0-9]+", phonenumbers.format_number(number, style))
        return ", ".join(self.text(PromptKey.PLUS) if g == "+" else " ".join(g) for g in groups)

    def read_back(self, e164: str, home_region: str | None = None) -> str:
        return self.text(PromptKey.READ_BACK, digits=self.spoken_number(e164, home_region))


@cache
def available_languages() -> frozenset[str]:
    """Languages with a prompts file shipped in the package."""
    folder = resources.files("ringback.ivr").joinpath("prompts")
    names = (entry.name for entry in folder.iterdir())
    return frozenset(name.removesuffix(".json") for name in names if name.endswith(".json"))


def prompts_for(language: str | None, account_default: str | None = None) -> Prompts:
    """The number's language, else the account default, else English.

    "de-AT" falls back to "de" before moving on to the account default.
    """
    shipped = available_languages()
    for candidate in _candidates(language, account_default):
        if candidate in shipped:
            return load_prompts(candidate)
    return load_prompts(FALLBACK_LANGUAGE)


def agent_prompts(account_default: str | None) -> Prompts:
    """What agents hear: the account's default language, else English.

    Agents are the business's own staff, so the caller's language does not
    apply; agents have no language of their own (``store.models.Agent``).
    """
    return prompts_for(None, account_default)


def _candidates(*tags: str | None) -> list[str]:
    found: list[str] = []
    for tag in tags:
        if tag:
            found.append(tag)
            found.append(tag.split("-")[0].lower())
    found.append(FALLBACK_LANGUAGE)
    return found


@cache
def load_prompts(language: str) -> Prompts:
    """Read and check one prompts file (once per process)."""
    path = resources.files("ringback.ivr").joinpath("prompts", f"{language}.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        say = data["say"]
        texts = {str(k): str(v) for k, v in data["prompts"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PromptsError(f"prompts for {language!r} cannot be read: {exc}") from exc
    missing = [key.value for key in PromptKey if key.value not in texts]
    if missing:
        raise PromptsError(f"prompts for {language!r} lack {', '.join(missing)}")
    return Prompts(
        language=language,
        say_language=str(say["language"]),
        voice=say.get("voice"),
        texts=MappingProxyType(texts),
    )


def placeholders(template: str) -> frozenset[str]:
    """Names a prompt fills in, e.g. ``{"position"}``; translations must use the same."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
