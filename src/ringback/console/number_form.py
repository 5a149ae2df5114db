"""The number form: a ``NumberConfig`` as form fields, and form fields as the JSON
payload that ``PUT /api/v1/numbers/<e164>`` takes.

The console never checks a number itself: it builds the payload and hands it
to ``NumberDirectory.put`` (``NumberConfig.from_json``), so the form and the
API accept and refuse the same things with the same messages.  Form fields
are named by the payload's dotted paths (``greetings.welcome.text``,
``menu.0.digit``), so every error lands on the field it names.  Nothing here
knows Flask.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ringback.ivr.config import (
    GREETING_NAMES,
    MAX_MENU_OPTIONS,
    Greeting,
    LineType,
    MenuAction,
    NumberConfig,
    OverflowKind,
)
from ringback.ivr.prompts import PromptKey, prompts_for
from ringback.parsing import ascii_whole
from ringback.queue.models import Intent

GREETING_LABELS = {
    "welcome": "Welcome",
    "menu": "Menu",
    "hold": "While holding",
    "callback_offer": "Callback offer",
    "callback_confirmation": "Callback confirmation",
}
GREETING_PROMPTS = {
    "welcome": PromptKey.WELCOME,
    "menu": None,
    "hold": PromptKey.HOLD,
    "callback_offer": PromptKey.CALLBACK_OFFER,
    "callback_confirmation": PromptKey.CALLBACK_CONFIRMATION,
}
BLANK_MENU_ROWS = 2
COUNTRIES = "callback.allowed_countries"
_SEPARATORS = re.compile(r"[\s,;]+")
_WHOLE = re.compile(r"^-?[0-9]{1,12}$")


@dataclass
class MenuRow:
    """One row of the menu table as the form shows it."""

    digit: str = ""
    action: str = MenuAction.QUEUE.value
    queue_id: str = ""
    intent: str = Intent.GENERAL.value
    message_text: str = ""
    message_audio_url: str = ""


@dataclass
class NumberForm:
    """What the form's fields hold; strings as typed, so a refused form shows them again."""

    e164: str = ""
    line_type: str = LineType.PHONE.value
    language: str = ""
    queue_id: str = "default"
    greetings: dict[str, dict[str, str]] = field(default_factory=dict)
    menu: list[MenuRow] = field(default_factory=list)
    callback_enabled: bool = True
    allowed_countries: str = ""
    max_wait_seconds: str = "900"
    overflow_kind: str = OverflowKind.MESSAGE.value
    overflow_message: dict[str, str] = field(default_factory=dict)
    announce_every_seconds: str = "60"
    hold_music_url: str = ""

    def greeting(self, name: str) -> dict[str, str]:
        return self.greetings.get(name) or {"text": "", "audio_url": ""}

    def rows(self) -> list[tuple[int, MenuRow]]:
        """The filled rows and a few blank ones, numbered as the fields are."""
        shown = list(self.menu)
        blanks = min(BLANK_MENU_ROWS, MAX_MENU_OPTIONS - len(shown))
        shown += [MenuRow() for _ in range(max(0, blanks))]
        return list(enumerate(shown))

    def audio_urls(self) -> list[str]:
        """Every recording the form names (for the listen previews)."""
        urls = [g.get("audio_url", "") for g in self.greetings.values()]
        urls.append(self.overflow_message.get("audio_url", ""))
        urls += [r.message_audio_url for r in self.menu]
        urls.append(self.hold_music_url)
        return [u for u in urls if u]


def _greeting_fields(greeting: Greeting | None) -> dict[str, str]:
    if greeting is None:
        return {"text": "", "audio_url": ""}
    return {"text": greeting.text or "", "audio_url": greeting.audio_url or ""}


def _seconds_text(value: int | None) -> str:
    return "" if value is None else str(value)


def form_of(config: NumberConfig) -> NumberForm:
    """The form showing a stored configuration."""
    menu = []
    for option in config.menu:
        message = _greeting_fields(option.message)
        menu.append(MenuRow(
            digit=option.digit, action=option.action.value, queue_id=option.queue_id or "",
            intent=(option.intent or Intent.GENERAL).value,
            message_text=message["text"], message_audio_url=message["audio_url"],
        ))
    return NumberForm(
        e164=config.e164,
        line_type=config.line_type.value,
        language=config.language or "",
        queue_id=config.queue_id,
        greetings={name: _greeting_fields(getattr(config.greetings, name))
                   for name in GREETING_NAMES},
        menu=menu,
        callback_enabled=config.callback.enabled,
        allowed_countries=", ".join(config.callback.allowed_countries),
        max_wait_seconds=_seconds_text(config.max_wait_seconds),
        overflow_kind=config.overflow.kind.value,
        overflow_message=_greeting_fields(config.overflow.message),
        announce_every_seconds=_seconds_text(config.announce_every_seconds),
        hold_music_url=config.hold_music_url or "",
    )


@dataclass(frozen=True)
class Submitted:
    """A posted form: what to show again and the payload for the API's rules.

    Blank menu rows are dropped, so the payload's ``menu.<i>`` is the i-th row
    shown again and its errors need no renumbering.
    """

    form: NumberForm
    payload: dict[str, Any]

    def field_errors(self, errors: Mapping[str, str]) -> dict[str, str]:
        """The API's errors keyed by the form's field names."""
        found: dict[str, str] = {}
        countries = [c for c in _SEPARATORS.split(self.form.allowed_countries) if c]
        for path, rule in errors.items():
            prefix, _, index = path.rpartition(".")
            at = ascii_whole(index) if prefix == COUNTRIES else None
            if at is not None and at < len(countries):
                found.setdefault(COUNTRIES, f"{countries[at]} {console_rule(rule)}")
            else:
                found.setdefault(path, console_rule(rule))
        return found


# What each field is called on the page, for the error summary.
FIELD_LABELS = {
    "e164": "Phone number",
    "line_type": "Line type",
    "language": "Language",
    "queue_id": "Queue",
    "greetings": "Greetings",
    "menu": "Menu",
    "callback": "Callbacks",
    "callback.enabled": "Offer callbacks while callers wait",
    COUNTRIES: "Countries we call back",
    "max_wait_seconds": "Maximum wait (seconds)",
    "overflow": "At the maximum wait",
    "overflow.kind": "At the maximum wait",
    "overflow.message": "Overflow message",
    "announce_every_seconds": "Announce position and wait every (seconds)",
    "hold_music_url": "Hold music (URL)",
}
_GREETING_PARTS = {"text": "text to speak", "audio_url": "recording (URL)"}
_OPTION_PARTS = {"digit": "key", "action": "what it does", "queue_id": "queue",
                 "intent": "intent", "message": "message", "message.text": "message",
                 "message.audio_url": "recording"}


def field_label(name: str) -> str:
    """The label the page shows for a form field (``greetings.menu.text``: "Menu greeting:
    text to speak"), never the field's name."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    head, _, rest = name.partition(".")
    if head == "greetings":
        greeting, _, part = rest.partition(".")
        label = f"{GREETING_LABELS.get(greeting, 'A')} greeting"
        return f"{label}: {_GREETING_PARTS[part]}" if part in _GREETING_PARTS else label
    if head == "overflow" and rest.startswith("message."):
        part = rest.partition(".")[2]
        return f"Overflow message: {_GREETING_PARTS.get(part, 'message')}"
    if head == "menu":
        index, _, part = rest.partition(".")
        if index.isdigit():
            option = f"Menu option {int(index) + 1}"
            return f"{option}: {_OPTION_PARTS[part]}" if part in _OPTION_PARTS else option
    return FIELD_LABELS.get(head, "This form")


def console_rule(rule: str) -> str:
    """An API rule in the console's words: a field left empty is what the API calls null."""
    return rule.replace(", or null", ", or left empty").replace(" or null", " or left empty")


def read_form(form: Mapping[str, Any], *, e164: str) -> Submitted:
    """The payload of a posted form (``form.get(name)`` gives a field's text)."""

    def get(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    shown = NumberForm(
        e164=e164,
        line_type=get("line_type") or LineType.PHONE.value,
        language=get("language"),
        queue_id=get("queue_id"),
        greetings={name: _read_greeting(get, f"greetings.{name}") for name in GREETING_NAMES},
        callback_enabled=get("callback.enabled") in ("on", "true", "1"),
        allowed_countries=get(COUNTRIES),
        max_wait_seconds=get("max_wait_seconds"),
        overflow_kind=get("overflow.kind") or OverflowKind.MESSAGE.value,
        overflow_message=_read_greeting(get, "overflow.message"),
        announce_every_seconds=get("announce_every_seconds"),
        hold_music_url=get("hold_music_url"),
    )
    payload: dict[str, Any] = {
        "line_type": shown.line_type,
        "language": shown.language or None,
        "queue_id": shown.queue_id,
        "greetings": {name: _greeting_payload(shown.greetings[name])
                      for name in GREETING_NAMES},
        "callback": {"enabled": shown.callback_enabled},
        "max_wait_seconds": _seconds(shown.max_wait_seconds),
        "overflow": {"kind": shown.overflow_kind,
                     "message": _greeting_payload(shown.overflow_message)},
        "announce_every_seconds": _seconds(shown.announce_every_seconds),
        "hold_music_url": shown.hold_music_url or None,
    }
    countries = [c for c in _SEPARATORS.split(shown.allowed_countries) if c]
    if countries:  # empty: the API's default, the number's own country
        payload["callback"]["allowed_countries"] = countries

    for index in range(MAX_MENU_OPTIONS + BLANK_MENU_ROWS):
        row = _read_row(get, index)
        if row is not None:
            shown.menu.append(row)
    payload["menu"] = [_option_payload(row) for row in shown.menu]
    return Submitted(shown, payload)


def _read_greeting(get: Any, prefix: str) -> dict[str, str]:
    return {"text": get(f"{prefix}.text"), "audio_url": get(f"{prefix}.audio_url")}


def _greeting_payload(fields: Mapping[str, str]) -> dict[str, str] | None:
    """Text, a recording, or neither (the shipped prompt).  Both go to the API as
    given, so the form shows the API's own "either text or audio_url" rule."""
    found = {k: fields[k] for k in ("text", "audio_url") if fields.get(k)}
    return found or None


def _read_row(get: Any, index: int) -> MenuRow | None:
    prefix = f"menu.{index}"
    row = MenuRow(
        digit=get(f"{prefix}.digit"),
        action=get(f"{prefix}.action") or MenuAction.QUEUE.value,
        queue_id=get(f"{prefix}.queue_id"),
        intent=get(f"{prefix}.intent") or Intent.GENERAL.value,
        message_text=get(f"{prefix}.message.text"),
        message_audio_url=get(f"{prefix}.message.audio_url"),
    )
    if not (row.digit or row.queue_id or row.message_text or row.message_audio_url):
        return None  # a blank row
    return row


def _option_payload(row: MenuRow) -> dict[str, Any]:
    option: dict[str, Any] = {"digit": row.digit, "action": row.action}
    if row.action == MenuAction.MESSAGE.value:
        # A message is required: an empty one gets the API's rule for its text.
        option["message"] = _greeting_payload(
            {"text": row.message_text, "audio_url": row.message_audio_url}) or {"text": ""}
    else:
        option["queue_id"] = row.queue_id or None
        option["intent"] = row.intent
    return option


def _seconds(text: str) -> Any:
    """Empty means no limit (null); digits are a number; anything else goes to the
    API's rule as typed, so the form shows the API's own message."""
    if not text:
        return None
    return int(text) if _WHOLE.match(text) else text


def shipped_prompts(language: str | None, account_default: str) -> dict[str, str | None]:
    """What callers hear for each greeting left to the default, in the number's language."""
    prompts = prompts_for(language or None, account_default)
    return {name: (prompts.text(key) if key is not None else None)
            for name, key in GREETING_PROMPTS.items()}


LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French"}


def shipped_language_name(language: str | None, account_default: str) -> str:
    """The language the shipped prompts of this number are spoken in."""
    code = prompts_for(language or None, account_default).language
    return LANGUAGE_NAMES.get(code, code)
