"""The IVR's decisions, apart from the TwiML that voices them.

Each function takes the number's configuration, what the caller pressed and
the ``CallState`` from the URL, and says what happens next. A webhook acts on
the decision (enqueue in Redis, turn the entry into a callback) and then asks
``ringback.ivr.twiml`` or ``ringback.ivr.twiml_queue`` for the matching TwiML.
Each outcome is its own small type, so a handler ``match``es on it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from ringback.ivr.callback_number import (
    CallbackNumberRejected,
    RejectReason,
    check_outbound_allowed,
    parse_callback_number,
)
from ringback.ivr.config import Greeting, Intent, MenuAction, NumberConfig
from ringback.ivr.state import CallState

# The menu is repeated at most this many times after a missing or wrong key;
# the next miss takes the default route.
MENU_REPROMPTS = 3
# After this many rejected callback numbers the caller goes back to waiting.
NUMBER_ATTEMPTS = 3
# Read-backs left unanswered (or answered with another key) before giving up.
READ_BACK_ATTEMPTS = 3


class MenuProblem(str, Enum):
    NO_INPUT = "no_input"
    INVALID = "invalid"


@dataclass(frozen=True)
class JoinQueue:
    """Enqueue into ``queue_id`` with ``intent``; ``default_route`` when the menu gave up."""

    queue_id: str
    intent: Intent
    default_route: bool = False


@dataclass(frozen=True)
class PlayMessage:
    """Speak a message option, then the menu again."""

    message: Greeting
    state: CallState


@dataclass(frozen=True)
class RepeatMenu:
    """Say what was wrong and ask again."""

    problem: MenuProblem
    state: CallState


MenuDecision = JoinQueue | PlayMessage | RepeatMenu


def decide_menu(cfg: NumberConfig, digits: str | None, state: CallState) -> MenuDecision:
    """What a menu key (or its absence) leads to. A number without a menu goes
    straight to its queue."""
    if not cfg.menu:
        return JoinQueue(cfg.queue_id, Intent.GENERAL)
    key = (digits or "").strip()
    option = cfg.option_for(key) if key else None
    if option is not None and option.action is MenuAction.QUEUE:
        return JoinQueue(option.queue_id or cfg.queue_id, option.intent or Intent.GENERAL)
    if option is not None and option.message is not None:
        return PlayMessage(option.message, state.evolve(menu_attempt=0))
    problem = MenuProblem.INVALID if key else MenuProblem.NO_INPUT
    if state.menu_attempt >= MENU_REPROMPTS:
        return JoinQueue(cfg.queue_id, Intent.GENERAL, default_route=True)
    return RepeatMenu(problem, state.evolve(menu_attempt=state.menu_attempt + 1))


class CallbackChoice(str, Enum):
    """The keys of the callback offer in the hold loop."""

    SAME_NUMBER = "1"
    OTHER_NUMBER = "2"
    KEEP_WAITING = "3"


def decide_callback_choice(cfg: NumberConfig, digits: str | None) -> CallbackChoice:
    """Any other key, and any key on a number without callbacks, means keep waiting."""
    if not cfg.offers_callback:
        return CallbackChoice.KEEP_WAITING
    try:
        return CallbackChoice((digits or "").strip())
    except ValueError:
        return CallbackChoice.KEEP_WAITING


def caller_callback_number(cfg: NumberConfig, caller: str | None,
                           own_numbers: Collection[str] = ()) -> str:
    """The caller's own number (Twilio's ``From``) if we may call it back, else
    ``CallbackNumberRejected`` (withheld numbers are refused as unparseable).

    ``own_numbers`` are the business's numbers (``NumberDirectory.own_numbers``);
    the dialled number ``cfg.e164`` is always one of them.
    """
    if not cfg.offers_callback:
        raise CallbackNumberRejected(RejectReason.COUNTRY_NOT_ALLOWED, caller or "")
    return check_outbound_allowed(caller or "", cfg.callback.allowed_countries,
                                  {cfg.e164, *own_numbers})


@dataclass(frozen=True)
class ReadBack:
    """Read ``number`` (also in ``state.number``) back for confirmation."""

    number: str
    state: CallState


@dataclass(frozen=True)
class AskForNumber:
    """Ask for a callback number (again); ``reason`` says what was wrong, if anything."""

    reason: RejectReason | None
    state: CallState


@dataclass(frozen=True)
class BackToQueue:
    """Return to holding at the same place; ``after_failed_number`` picks the sentence."""

    state: CallState
    after_failed_number: bool = False


@dataclass(frozen=True)
class Confirmed:
    """Turn the queue entry into a callback to ``number``, then ``<Leave>``."""

    number: str
    state: CallState


NumberDecision = ReadBack | AskForNumber | BackToQueue
ConfirmDecision = Confirmed | ReadBack | AskForNumber | BackToQueue


def decide_callback_number(
    cfg: NumberConfig, digits: str | None, state: CallState, own_numbers: Collection[str] = ()
) -> NumberDecision:
    """Check a keyed callback number; no digits at all counts as not understood."""
    allowed = cfg.callback.allowed_countries if cfg.offers_callback else ()
    try:
        e164 = parse_callback_number(digits or "", cfg.e164, allowed, own_numbers)
    except CallbackNumberRejected as rejected:
        attempts = state.number_attempt + 1
        after = state.evolve(number_attempt=attempts, number=None)
        if attempts >= NUMBER_ATTEMPTS:
            return BackToQueue(after, after_failed_number=True)
        return AskForNumber(rejected.reason, after)
    return ReadBack(e164, state.evolve(number=e164, confirm_attempt=0))


def decide_confirmation(cfg: NumberConfig, digits: str | None, state: CallState,
                        own_numbers: Collection[str] = ()) -> ConfirmDecision:
    """1 confirms, 2 re-enters; the number is checked again, as the allow-list may
    have changed since it was keyed."""
    try:
        number = caller_callback_number(cfg, state.number, own_numbers)
    except CallbackNumberRejected as rejected:
        return AskForNumber(rejected.reason, state.evolve(number=None, confirm_attempt=0))
    key = (digits or "").strip()
    if key == "1":
        return Confirmed(number, state)
    if key == "2":
        return AskForNumber(None, state.evolve(number=None, confirm_attempt=0))
    tries = state.confirm_attempt + 1
    if tries >= READ_BACK_ATTEMPTS:
        return BackToQueue(state.evolve(confirm_attempt=tries))
    return ReadBack(number, state.evolve(confirm_attempt=tries))


def announcement_due(cfg: NumberConfig, seconds_since_last: float | None) -> bool:
    """Position and wait are announced on joining (``None``: never announced) and
    then every ``announce_every_seconds``, if set."""
    if seconds_since_last is None:
        return True
    every = cfg.announce_every_seconds
    return every is not None and seconds_since_last >= every


def max_wait_reached(cfg: NumberConfig, waited_seconds: float) -> bool:
    return cfg.max_wait_seconds is not None and waited_seconds >= cfg.max_wait_seconds


def max_wait_seconds(cfg: NumberConfig, queue_max_wait: int | None) -> int | None:
    """How long a live caller may wait: the shorter of the number's limit and the
    queue's (``QueueSettings.max_wait_seconds``); None when neither sets one."""
    limits = [s for s in (cfg.max_wait_seconds, queue_max_wait) if s is not None]
    return min(limits) if limits else None


class QueueResult(str, Enum):
    """Twilio's ``QueueResult`` on the ``<Enqueue action>`` request."""

    BRIDGED = "bridged"
    BRIDGING_IN_PROCESS = "bridging-in-process"
    QUEUE_FULL = "queue-full"
    REDIRECTED = "redirected"
    LEAVE = "leave"
    HANGUP = "hangup"
    ERROR = "error"
    SYSTEM_ERROR = "system-error"

    @classmethod
    def parse(cls, raw: str | None) -> QueueResult:
        """Unknown or missing values are treated as an error, never raised."""
        try:
            return cls((raw or "").strip())
        except ValueError:
            return cls.ERROR
