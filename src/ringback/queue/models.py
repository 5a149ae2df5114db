"""Values of the queue engine: entries, settings, offers, presence, events.

Entries are stored in Redis as compact JSON with short field names (see
``Entry.from_record``); everything else in the engine works with these
dataclasses and ``str`` enums.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ringback.errors import RingbackError, ValidationError

MAX_PRIORITY = 99
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_TEXT_MAX = 64


class EntryKind(str, Enum):
    LIVE = "live"
    CALLBACK = "callback"


class EntryState(str, Enum):
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    # Terminal: the entry has left Redis; seen on values returned by the call that ended it.
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    EXPIRED = "expired"
    REMOVED = "removed"


class Intent(str, Enum):
    GENERAL = "general"
    BOOKING = "booking"
    TICKET = "ticket"
    # "Report a problem": the agent's request form opens on an action request.
    PROBLEM = "problem"


class AgentState(str, Enum):
    """An agent's state machine (docs/routing.md has its transition table)."""

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    OFFERED = "offered"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    # Not taking calls, as logged out: by choice, or after letting an offer go unanswered
    # (until the agent says they are back).
    AWAY = "away"
    MISSED = "missed"


# The agent chooses these; routing moves it through the others.
SETTABLE_AGENT_STATES = (AgentState.AVAILABLE, AgentState.AWAY, AgentState.LOGGED_OUT)
# Logged in: counted as staff of its queues (estimates, the decline round rule, the board).
WORKING_AGENT_STATES = (AgentState.AVAILABLE, AgentState.OFFERED, AgentState.BUSY,
                        AgentState.WRAP_UP)


class EventType(str, Enum):
    JOINED = "joined"
    CONVERTED = "converted"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    OFFER_TIMED_OUT = "offer_timed_out"
    # An offer or acceptance undone because the agent side refused (multi-queue races).
    WITHDRAWN = "withdrawn"
    ABANDONED = "abandoned"
    EXPIRED = "expired"
    COMPLETED = "completed"
    REMOVED = "removed"


class QueueFull(RingbackError):
    """The queue holds ``max_size`` entries; the caller must be told and not queued."""

    def __init__(self, queue_id: str, max_size: int) -> None:
        self.queue_id = queue_id
        self.max_size = max_size
        super().__init__(f"queue {queue_id!r} is full ({max_size} waiting)")


_KIND_CODE = {EntryKind.LIVE: "l", EntryKind.CALLBACK: "c"}
_KIND_OF = {v: k for k, v in _KIND_CODE.items()}
_STATE_CODE = {EntryState.WAITING: "w", EntryState.OFFERED: "o", EntryState.ACCEPTED: "a"}
_STATE_OF = {v: k for k, v in _STATE_CODE.items()}


_INTENT_OF = {i.value: i for i in Intent}


def kind_code(kind: EntryKind) -> str:
    return _KIND_CODE[kind]


def _text(errors: dict[str, str], name: str, value: str) -> None:
    if not isinstance(value, str) or len(value) > _TEXT_MAX:
        errors[name] = f"must be a string of at most {_TEXT_MAX} characters"


def check_e164(name: str, number: str) -> str:
    if not isinstance(number, str) or not _E164.match(number):
        raise ValidationError({name: "must be an E.164 number such as +14155550100"})
    return number


def check_priority(errors: dict[str, str], name: str, value: object) -> None:
    if type(value) is not int or not 0 <= value <= MAX_PRIORITY:
        errors[name] = f"must be an integer from 0 to {MAX_PRIORITY}"


SETTINGS_FIELDS = ("max_size", "max_wait_seconds", "offer_timeout_seconds", "wrap_up_seconds",
                   "priorities")


@dataclass(frozen=True)
class QueueSettings:
    """Limits of one queue; ``priorities`` maps an intent to its priority (higher first)."""

    max_size: int = 500
    max_wait_seconds: int = 1800
    offer_timeout_seconds: int = 20
    wrap_up_seconds: int = 30
    priorities: Mapping[Intent, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> QueueSettings:
        """Settings from a JSON document (the API's body, the console's form): fields
        left out take their defaults; unknown fields and intents are errors, all
        named at once in one ``ValidationError``."""
        errors = {name: "is not a known field" for name in body if name not in SETTINGS_FIELDS}
        defaults = cls()
        values: dict[str, Any] = {
            name: body.get(name, getattr(defaults, name)) for name in SETTINGS_FIELDS[:-1]
        }
        priorities: dict[Intent, Any] = {}
        raw = body.get("priorities", {})
        if not isinstance(raw, dict):
            errors["priorities"] = "must be a JSON object of intent: priority"
        else:
            for key, prio in raw.items():
                try:
                    priorities[Intent(key)] = prio
                except ValueError:
                    names = ", ".join(i.value for i in Intent)
                    errors[f"priorities.{key}"] = f"is not an intent; use one of {names}"
        settings = cls(**values, priorities=priorities)
        try:
            settings.validate()
        except ValidationError as invalid:
            errors = {**invalid.errors, **errors}
        if errors:
            raise ValidationError(errors)
        return settings

    def validate(self) -> None:
        errors: dict[str, str] = {}
        for name, low in (
            ("max_size", 1),
            ("max_wait_seconds", 1),
            ("offer_timeout_seconds", 1),
            ("wrap_up_seconds", 0),
        ):
            value = getattr(self, name)
            if type(value) is not int or value < low:
                errors[name] = f"must be an integer of at least {low}"
        for intent, prio in dict(self.priorities).items():
            if not isinstance(intent, Intent):
                errors["priorities"] = "keys must be Intent values"
            else:
                check_priority(errors, f"priorities.{intent.value}", prio)
        if errors:
            raise ValidationError(errors)


@dataclass(frozen=True)
class NewEntry:
    """What a caller or callback request brings to ``QueueService.join``.

    ``priority`` None means: take it from the queue's priority rules for the intent.
    """

    call_sid: str = ""
    caller: str = ""
    kind: EntryKind = EntryKind.LIVE
    callback_number: str = ""
    language: str = "en"
    intent: Intent = Intent.GENERAL
    dialled: str = ""
    priority: int | None = None

    def validate(self) -> None:
        errors: dict[str, str] = {}
        for name in ("call_sid", "caller", "callback_number", "language", "dialled"):
            _text(errors, name, getattr(self, name))
        if not isinstance(self.kind, EntryKind):
            errors["kind"] = "must be an EntryKind"
        if not isinstance(self.intent, Intent):
            errors["intent"] = "must be an Intent"
        if self.priority is not None:
            check_priority(errors, "priority", self.priority)
        if self.kind == EntryKind.CALLBACK and not _E164.match(str(self.callback_number)):
            errors["callback_number"] = "must be an E.164 number such as +14155550100"
        if self.kind == EntryKind.LIVE and not self.call_sid:
            errors["call_sid"] = "is required for a live call"
        if errors:
            raise ValidationError(errors)


def _opt_float(value: object) -> float | None:
    return None if value in (None, "") else float(value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Entry:
    """One caller or callback in a queue, as stored in Redis."""

    queue_id: str
    entry_id: str
    kind: EntryKind
    state: EntryState
    call_sid: str
    caller: str
    callback_number: str
    language: str
    intent: Intent
    dialled: str
    enqueued_at: float
    priority: int
    requested_at: float | None = None
    offered_to: str | None = None
    offer_deadline: float | None = None
    accepted_by: str | None = None
    accepted_at: float | None = None
    declined_by: tuple[str, ...] = ()
    # Of ``declined_by``, the agents whose offer rang out (they did not decline it).
    timed_out_for: tuple[str, ...] = ()
    # The offer (OfferTag text) whose agent was rung for this live caller (LiveCallState).
    rung: str | None = None

    @classmethod
    def from_record(
        cls, queue_id: str, entry_id: str, raw: str | bytes, state: EntryState | None = None
    ) -> Entry:
        """Decode the compact JSON written by the Lua scripts."""
        return cls.from_fields(queue_id, entry_id, json.loads(raw), state)

    @classmethod
    def from_fields(
        cls, queue_id: str, entry_id: str, r: Mapping[str, Any], state: EntryState | None = None
    ) -> Entry:
        """An entry from its decoded record (short field names, see ``scripts``).

        Routing decodes an entry on every operation, so this fills the frozen
        instance's fields directly instead of through the generated __init__.
        """
        get = r.get
        dx, tx = get("dx"), get("tx")
        rt, od, at = get("rt"), get("od"), get("at")
        entry = object.__new__(cls)
        entry.__dict__.update(
            queue_id=queue_id,
            entry_id=entry_id,
            kind=_KIND_OF[r["k"]],
            state=state or _STATE_OF[r["s"]],
            call_sid=get("sid", ""),
            caller=get("fr", ""),
            callback_number=get("cb", ""),
            language=get("lg", ""),
            intent=_INTENT_OF[get("in", "general")],
            dialled=get("to", ""),
            enqueued_at=float(r["t"]),
            priority=r["p"],
            requested_at=float(rt) if rt else None,
            offered_to=get("oa"),
            offer_deadline=float(od) if od else None,
            accepted_by=get("aa"),
            accepted_at=float(at) if at else None,
            declined_by=tuple(dx.split(",")) if dx else (),
            timed_out_for=tuple(tx.split(",")) if tx else (),
            rung=get("rg"),
        )
        return entry


@dataclass(frozen=True)
class Offer:
    """An entry offered to one agent until ``deadline`` (epoch seconds)."""

    queue_id: str
    entry_id: str
    agent_id: str
    deadline: float
    entry: Entry


@dataclass(frozen=True)
class MissedOffer:
    """The offer a *missed* agent let go unanswered, why, and since when."""

    queue_id: str
    entry_id: str
    detail: str
    since: float


@dataclass(frozen=True)
class AgentPresence:
    """Where an agent is: state, member queues, and the offer or call they hold."""

    agent_id: str
    state: AgentState
    queues: tuple[str, ...] = ()
    idle_since: float | None = None
    queue_id: str | None = None
    entry_id: str | None = None
    offer_deadline: float | None = None
    wrap_up_until: float | None = None
    away_since: float | None = None  # away or missed
    missed: MissedOffer | None = None


@dataclass(frozen=True)
class QueueEvent:
    """One line of a queue's event stream, for reports and the live console."""

    id: str
    type: EventType
    entry_id: str
    at: float
    kind: EntryKind | None = None
    position: int | None = None
    wait_seconds: float | None = None
    agent_id: str | None = None
    handle_seconds: float | None = None
    reason: str | None = None


def event_from_fields(event_id: str, fields: Mapping[str, str]) -> QueueEvent:
    kind = fields.get("k")
    return QueueEvent(
        id=event_id,
        type=EventType(fields["type"]),
        entry_id=fields.get("e", ""),
        at=float(fields["t"]),
        kind=_KIND_OF[kind] if kind else None,
        position=int(fields["pos"]) if fields.get("pos") else None,
        wait_seconds=_opt_float(fields.get("wait")),
        agent_id=fields.get("agent") or None,
        handle_seconds=_opt_float(fields.get("handle")),
        reason=fields.get("reason") or None,
    )
