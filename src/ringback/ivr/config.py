"""How one business number behaves: the admin's configuration as frozen values.

``NumberConfig`` is what ``PUT /api/v1/numbers/{e164}`` stores and what every
IVR function reads. ``from_json`` checks a whole payload and reports every
problem at once (``ValidationError`` naming each field and its rule);
``to_json`` gives the canonical document back, and the two round-trip exactly.
The single-field rules live in ``ringback.ivr.config_rules``; the rules that
tie fields together are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

import phonenumbers

from ringback.ivr import config_rules as rules
from ringback.ivr.config_rules import Problems, sub
from ringback.queue.models import Intent as Intent  # menu options name the engine's intents


class LineType(str, Enum):
    """A phone line reaches a real phone number; a digital line (app, web) has none."""

    PHONE = "phone"
    DIGITAL = "digital"


class MenuAction(str, Enum):
    QUEUE = "queue"
    MESSAGE = "message"


class OverflowKind(str, Enum):
    """What a live caller gets once the maximum wait is reached."""

    MESSAGE = "message"
    VOICEMAIL = "voicemail"


@dataclass(frozen=True)
class Greeting:
    """Something the caller hears: text spoken in the number's language, or a recording."""

    text: str | None = None
    audio_url: str | None = None

    def to_json(self) -> dict[str, str]:
        if self.audio_url is not None:
            return {"audio_url": self.audio_url}
        return {"text": self.text or ""}


@dataclass(frozen=True)
class Greetings:
    """The number's own greetings; ``None`` means the shipped prompt in its language."""

    welcome: Greeting | None = None
    menu: Greeting | None = None
    hold: Greeting | None = None
    callback_offer: Greeting | None = None
    callback_confirmation: Greeting | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            f.name: (g.to_json() if (g := getattr(self, f.name)) is not None else None)
            for f in fields(self)
        }


GREETING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Greetings))


@dataclass(frozen=True)
class MenuOption:
    """One key of the menu: into a queue with an intent, or a spoken message.

    ``queue_id`` ``None`` means the number's own queue, so renaming that queue
    does not leave menu options pointing at the old one.
    """

    digit: str
    action: MenuAction
    queue_id: str | None = None
    intent: Intent | None = None
    message: Greeting | None = None

    def to_json(self) -> dict[str, Any]:
        if self.action is MenuAction.MESSAGE:
            return {
                "digit": self.digit,
                "action": self.action.value,
                "message": self.message.to_json() if self.message else None,
            }
        return {
            "digit": self.digit,
            "action": self.action.value,
            "queue_id": self.queue_id,
            "intent": (self.intent or Intent.GENERAL).value,
        }


@dataclass(frozen=True)
class CallbackSettings:
    """Whether callers may ask for a callback, and to which countries we call."""

    enabled: bool = False
    allowed_countries: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "allowed_countries": list(self.allowed_countries)}


@dataclass(frozen=True)
class Overflow:
    """What happens at max wait; ``message`` ``None`` means the shipped prompt."""

    kind: OverflowKind = OverflowKind.MESSAGE
    message: Greeting | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "message": self.message.to_json() if self.message else None,
        }


DEFAULT_QUEUE_ID = "default"
DEFAULT_MAX_WAIT_SECONDS = 900
DEFAULT_ANNOUNCE_EVERY_SECONDS = 60


@dataclass(frozen=True)
class NumberConfig:
    """Everything the IVR needs to answer a call to ``e164``.

    ``language`` ``None`` means the account's default language.
    ``max_wait_seconds`` ``None`` means no limit. ``announce_every_seconds``
    ``None`` means position and wait are announced once, on joining the queue.
    ``hold_music_url`` ``None`` means Twilio's classical hold music.
    """

    e164: str
    line_type: LineType = LineType.PHONE
    language: str | None = None
    queue_id: str = DEFAULT_QUEUE_ID
    greetings: Greetings = field(default_factory=Greetings)
    menu: tuple[MenuOption, ...] = ()
    callback: CallbackSettings = field(default_factory=CallbackSettings)
    max_wait_seconds: int | None = DEFAULT_MAX_WAIT_SECONDS
    overflow: Overflow = field(default_factory=Overflow)
    announce_every_seconds: int | None = DEFAULT_ANNOUNCE_EVERY_SECONDS
    hold_music_url: str | None = None

    @property
    def offers_callback(self) -> bool:
        """A digital line never offers callbacks, whatever is stored."""
        return self.line_type is LineType.PHONE and self.callback.enabled

    @property
    def region(self) -> str:
        """ISO country of the business number ("001" for non-geographic numbers)."""
        return phonenumbers.region_code_for_number(phonenumbers.parse(self.e164)) or "ZZ"

    def option_for(self, digit: str) -> MenuOption | None:
        for option in self.menu:
            if option.digit == digit:
                return option
        return None

    @classmethod
    def from_json(cls, e164_from_path: str, payload: Any) -> NumberConfig:
        """Check ``payload`` for the number in the URL path.

        Absent fields take their defaults, so ``{}`` is a working phone line with
        callbacks to the number's own country. Raises ``ValidationError`` with
        every problem found, keyed by dotted field path.
        """
        return _parse(e164_from_path, payload)

    def to_json(self) -> dict[str, Any]:
        return {
            "e164": self.e164,
            "line_type": self.line_type.value,
            "language": self.language,
            "queue_id": self.queue_id,
            "greetings": self.greetings.to_json(),
            "menu": [option.to_json() for option in self.menu],
            "callback": self.callback.to_json(),
            "max_wait_seconds": self.max_wait_seconds,
            "overflow": self.overflow.to_json(),
            "announce_every_seconds": self.announce_every_seconds,
            "hold_music_url": self.hold_music_url,
        }


MAX_WAIT_RANGE = (30, 86_400)
ANNOUNCE_RANGE = (15, 3_600)
MAX_MENU_OPTIONS = 11
MAX_COUNTRIES = 250
CALLBACK_FIELDS = ("enabled", "allowed_countries")
MISSING: Any = object()
TOP_FIELDS = tuple(f.name for f in fields(NumberConfig))


def _parse(e164_from_path: str, payload: Any) -> NumberConfig:
    p = Problems()
    e164 = rules.e164(p, "e164", e164_from_path)
    body = rules.json_object(p, "", payload, TOP_FIELDS)
    if body is None:
        p.raise_if_any()
        body = {}
    if e164 is not None and body.get("e164", e164) != e164:
        p.add("e164", "must match the number in the URL")

    line_type = rules.choice(p, "line_type", body.get("line_type", "phone"), LineType)
    line_type = line_type or LineType.PHONE
    language = body.get("language")
    if language is not None:
        language = rules.language(p, "language", language)
    queue = rules.queue_id(p, "queue_id", body.get("queue_id", DEFAULT_QUEUE_ID))
    greetings = _greetings(p, body.get("greetings"))
    menu = _menu(p, body.get("menu"))
    menu_greeting_reported = any(k.startswith("greetings.menu") for k in p.errors)
    if menu and greetings.menu is None and not menu_greeting_reported:
        p.add("greetings.menu", "is required when the menu has options")
    callback = _callback(p, body.get("callback"), line_type, e164)
    max_wait = _seconds(p, body, "max_wait_seconds", DEFAULT_MAX_WAIT_SECONDS, MAX_WAIT_RANGE)
    announce = _seconds(
        p, body, "announce_every_seconds", DEFAULT_ANNOUNCE_EVERY_SECONDS, ANNOUNCE_RANGE
    )
    overflow = _overflow(p, body.get("overflow"))
    hold_music_url = body.get("hold_music_url")
    if hold_music_url is not None:
        hold_music_url = rules.http_url(p, "hold_music_url", hold_music_url)

    p.raise_if_any()
    assert e164 is not None  # a bad one was reported above
    return NumberConfig(
        e164=e164,
        line_type=line_type,
        language=language,
        queue_id=queue or DEFAULT_QUEUE_ID,
        greetings=greetings,
        menu=menu,
        callback=callback,
        max_wait_seconds=max_wait,
        overflow=overflow,
        announce_every_seconds=announce,
        hold_music_url=hold_music_url,
    )


def _seconds(
    p: Problems, body: Any, name: str, default: int, bounds: tuple[int, int]
) -> int | None:
    value = body.get(name, MISSING)
    if value is MISSING:
        return default
    if value is None:
        return None
    return rules.whole_number(p, name, value, *bounds)


def _greeting(p: Problems, path: str, raw: Any) -> Greeting | None:
    obj = rules.json_object(p, path, raw, ("text", "audio_url"))
    if obj is None:
        return None
    text, audio_url = obj.get("text"), obj.get("audio_url")
    if text is not None and audio_url is not None:
        p.add(path, "must have either text or audio_url, not both")
    elif audio_url is not None:
        url = rules.http_url(p, sub(path, "audio_url"), audio_url)
        return Greeting(audio_url=url) if url else None
    elif text is not None:
        clean = rules.text(p, sub(path, "text"), text)
        return Greeting(text=clean) if clean else None
    else:
        p.add(path, "must have text or audio_url")
    return None


def _greetings(p: Problems, raw: Any) -> Greetings:
    if raw is None:
        return Greetings()
    obj = rules.json_object(p, "greetings", raw, GREETING_NAMES)
    if obj is None:
        return Greetings()
    found = {
        name: _greeting(p, sub("greetings", name), obj[name])
        for name in GREETING_NAMES
        if obj.get(name) is not None
    }
    return Greetings(**found)


def _menu(p: Problems, raw: Any) -> tuple[MenuOption, ...]:
    if raw is None:
        return ()
    items = rules.json_list(p, "menu", raw, MAX_MENU_OPTIONS)
    if items is None:
        return ()
    options: list[MenuOption] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        option = _menu_option(p, sub("menu", index), item)
        if option is None:
            continue
        if option.digit in seen:
            p.add(sub(sub("menu", index), "digit"), f"is already used by menu.{seen[option.digit]}")
            continue
        seen[option.digit] = index
        options.append(option)
    return tuple(options)


def _menu_option(p: Problems, path: str, raw: Any) -> MenuOption | None:
    obj = rules.json_object(p, path, raw, ("digit", "action", "queue_id", "intent", "message"))
    if obj is None:
        return None
    digit = rules.menu_digit(p, sub(path, "digit"), obj.get("digit"))
    action = rules.choice(p, sub(path, "action"), obj.get("action"), MenuAction)
    if action is MenuAction.MESSAGE:
        for name in ("queue_id", "intent"):
            if obj.get(name) is not None:
                p.add(sub(path, name), "is only for queue actions")
        if obj.get("message") is None:
            p.add(sub(path, "message"), "is required for a message action")
            return None
        message = _greeting(p, sub(path, "message"), obj["message"])
        if digit is None or message is None:
            return None
        return MenuOption(digit, action, message=message)
    if action is MenuAction.QUEUE:
        if obj.get("message") is not None:
            p.add(sub(path, "message"), "is only for message actions")
        queue = obj.get("queue_id")
        if queue is not None:
            queue = rules.queue_id(p, sub(path, "queue_id"), queue)
        intent = rules.choice(p, sub(path, "intent"), obj.get("intent", "general"), Intent)
        if digit is None or intent is None or (queue is None and obj.get("queue_id")):
            return None
        return MenuOption(digit, action, queue_id=queue, intent=intent)
    return None


def _callback(p: Problems, raw: Any, line_type: LineType, e164: str | None) -> CallbackSettings:
    """Callbacks default to on for a phone line, to the business number's own country."""
    path = "callback.allowed_countries"
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164)) if e164 else None
    home = (region,) if region in phonenumbers.SUPPORTED_REGIONS else ()
    obj = rules.json_object(p, "callback", {} if raw is None else raw, CALLBACK_FIELDS)
    if obj is None:
        return CallbackSettings(False, home)
    default_enabled = line_type is LineType.PHONE and bool(home)
    enabled = rules.boolean(p, "callback.enabled", obj.get("enabled", default_enabled))
    if enabled and line_type is LineType.DIGITAL:
        p.add("callback.enabled", "a digital line never offers callbacks")
    countries: tuple[str, ...] = home
    if obj.get("allowed_countries") is not None:
        items = rules.json_list(p, path, obj["allowed_countries"], MAX_COUNTRIES) or []
        found = [rules.country(p, sub(path, i), item) for i, item in enumerate(items)]
        countries = tuple(dict.fromkeys(c for c in found if c))
    if enabled and not countries and path not in p.errors:
        p.add(path, "must name at least one country when callbacks are enabled")
    return CallbackSettings(bool(enabled), countries)


def _overflow(p: Problems, raw: Any) -> Overflow:
    if raw is None:
        return Overflow()
    obj = rules.json_object(p, "overflow", raw, ("kind", "message"))
    if obj is None:
        return Overflow()
    kind = rules.choice(p, "overflow.kind", obj.get("kind", "message"), OverflowKind)
    message = None
    if obj.get("message") is not None:
        message = _greeting(p, "overflow.message", obj["message"])
    return Overflow(kind or OverflowKind.MESSAGE, message)
