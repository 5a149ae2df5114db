"""The queue form: a queue's ``QueueSettings`` as form fields, and form fields as the
JSON body that ``PUT /api/v1/queues/<id>`` takes.

The console never checks a setting itself: it builds the body and hands it to
``QueueSettings.from_json``, as the API does, so the form and the API accept and refuse
the same things with the same messages.  Fields are named by the body's
paths (``offer_timeout_seconds``, ``priorities.booking``), so every error
lands on the field it names.  Nothing here knows Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ringback.ivr.config import NumberConfig
from ringback.queue.models import Intent, QueueSettings

LIMITS = ("max_size", "max_wait_seconds", "offer_timeout_seconds", "wrap_up_seconds")
DEFAULTS = QueueSettings()
DEFAULT_PRIORITY = 0  # an intent without a rule (docs/queue.md)
_WHOLE = re.compile(r"^-?[0-9]{1,12}$")
# How the menu and queue forms name each intent.
INTENT_LABELS = {Intent.GENERAL.value: "General", Intent.BOOKING.value: "Booking",
                 Intent.TICKET.value: "Ticket", Intent.PROBLEM.value: "Report a problem"}


@dataclass
class QueueForm:
    """What the form's fields hold; strings as typed, so a refused form shows them again.

    ``priorities`` holds only the intents with a rule; an empty field means none
    (priority 0), so saving an untouched form stores what was there.
    """

    queue_id: str
    limits: dict[str, str] = field(default_factory=dict)
    priorities: dict[str, str] = field(default_factory=dict)

    def limit(self, name: str) -> str:
        return self.limits.get(name, "")

    def priority(self, intent: str) -> str:
        return self.priorities.get(intent, "")


def form_of(queue_id: str, settings: QueueSettings) -> QueueForm:
    """The form showing a queue's current settings."""
    return QueueForm(
        queue_id=queue_id,
        limits={name: str(getattr(settings, name)) for name in LIMITS},
        priorities={i.value: str(p) for i, p in settings.priorities.items()},
    )


def read_form(form: Mapping[str, Any], *, queue_id: str) -> tuple[QueueForm, dict[str, Any]]:
    """The posted form shown again, and the API body it stands for.

    An empty limit is left out of the body (the API's default); an empty
    priority is no rule for that intent.
    """

    def get(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    shown = QueueForm(
        queue_id=queue_id,
        limits={name: get(name) for name in LIMITS},
        priorities={i.value: get(f"priorities.{i.value}") for i in Intent
                    if get(f"priorities.{i.value}")},
    )
    body: dict[str, Any] = {name: _number(text) for name, text in shown.limits.items() if text}
    body["priorities"] = {intent: _number(text) for intent, text in shown.priorities.items()}
    return shown, body


def _number(text: str) -> Any:
    """Digits are a number; anything else goes to the API's rule as typed, so the
    form shows the API's own message."""
    return int(text) if _WHOLE.match(text) else text


def flat(settings: QueueSettings) -> dict[str, int | None]:
    """Every setting by its field name, ``None`` for an intent without a rule:
    what the audit log records of a change."""
    found: dict[str, int | None] = {name: getattr(settings, name) for name in LIMITS}
    for intent in Intent:
        found[f"priorities.{intent.value}"] = settings.priorities.get(intent)
    return found


def changes(before: QueueSettings, after: QueueSettings) -> dict[str, int | None]:
    """The settings ``after`` changed, with their new values."""
    old, new = flat(before), flat(after)
    return {name: value for name, value in new.items() if old[name] != value}


@dataclass(frozen=True)
class QueueRow:
    """One queue of the list: its settings and the numbers that send callers to it."""

    queue_id: str
    settings: QueueSettings
    numbers: tuple[str, ...] = ()

    def limit(self, name: str) -> tuple[int, bool]:
        """A limit's value and whether it is the default."""
        value = getattr(self.settings, name)
        return value, value == getattr(DEFAULTS, name)

    def priority(self, intent: Intent) -> tuple[int, bool]:
        """An intent's priority and whether it is the default (no rule)."""
        value = self.settings.priorities.get(intent)
        return (DEFAULT_PRIORITY, True) if value is None else (value, False)


def numbers_by_queue(configs: Iterable[NumberConfig]) -> dict[str, list[str]]:
    """The business numbers that send callers to each queue (directly or by a menu key)."""
    found: dict[str, list[str]] = {}
    for config in configs:
        named = {config.queue_id}
        named.update(option.queue_id for option in config.menu if option.queue_id)
        for queue_id in named:
            found.setdefault(queue_id, []).append(config.e164)
    return found
