"""The little a call must remember between two Twilio requests.

``CallState`` travels in the query string of the action URLs our own TwiML
hands to Twilio. Twilio signs the full URL with every request, so a caller
cannot alter it, and no Redis round trip is needed for counters that only
matter for a minute. What the queue needs to know (position, kind, callback
number once confirmed) lives in Redis, not here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ringback.ivr.config_rules import QUEUE_ID

# Counters stay tiny; anything larger than this in a URL was not written by us.
MAX_COUNTER = 9
E164_SHAPE = re.compile(r"^\+[1-9][0-9]{6,14}$")
COUNTER = re.compile(r"^[0-9]{1,2}$")
ROW_ID = re.compile(r"^[1-9][0-9]{0,8}$")


@dataclass(frozen=True)
class CallState:
    """Counters and the pending callback number of one call.

    ``menu_attempt``: menu inputs that were missing or wrong so far.
    ``number_attempt``: callback numbers rejected so far.
    ``confirm_attempt``: read-backs left unanswered or answered with a wrong key.
    ``number``: the E.164 number being read back for confirmation.
    ``queue``: the queue the caller waits in.
    ``booking``: the caller's appointment offered in the self-service menu.
    """

    menu_attempt: int = 0
    number_attempt: int = 0
    confirm_attempt: int = 0
    number: str | None = None
    queue: str | None = None
    booking: int | None = None

    def to_params(self) -> dict[str, str]:
        """Query parameters; defaults are left out to keep URLs short."""
        params: dict[str, str] = {}
        for name in ("menu_attempt", "number_attempt", "confirm_attempt"):
            value = getattr(self, name)
            if value:
                params[name] = str(value)
        if self.number:
            params["number"] = self.number
        if self.queue:
            params["queue"] = self.queue
        if self.booking:
            params["booking"] = str(self.booking)
        return params

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> CallState:
        """Read the state back; never raises, garbage becomes the default."""
        number = params.get("number") or None
        queue = params.get("queue") or None
        return cls(
            menu_attempt=_counter(params.get("menu_attempt")),
            number_attempt=_counter(params.get("number_attempt")),
            confirm_attempt=_counter(params.get("confirm_attempt")),
            number=number if number and E164_SHAPE.fullmatch(number) else None,
            queue=queue if queue and QUEUE_ID.fullmatch(queue) else None,
            booking=_row_id(params.get("booking")),
        )

    def evolve(self, **changes: object) -> CallState:
        return replace(self, **changes)  # type: ignore[arg-type]


def _row_id(raw: str | None) -> int | None:
    if raw is None or not ROW_ID.fullmatch(raw):
        return None
    return int(raw)


def _counter(raw: str | None) -> int:
    if raw is None or not COUNTER.fullmatch(raw):
        return 0
    return min(int(raw), MAX_COUNTER)
