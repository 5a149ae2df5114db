"""How many callbacks may be asked for in an hour: per caller, per number, per prefix.

A toll fraudster who gets past the number rules can still make us dial the
same number, or a range of numbers that pay them, again and again from a
script.  ``CallbackLimits`` caps the callbacks requested within a sliding
hour, counted in Redis so every web process sees the same counts:

- per caller: callbacks asked for by one calling number (Twilio's ``From``;
  withheld numbers share one count);
- per number: callbacks to one destination number;
- per prefix: callbacks to one block of numbers, the destination without its
  last ``PREFIX_DROP_DIGITS`` digits (a fraudster's range of numbers).

A limit of 0 turns that count off.  Counting is idempotent per callback: a
webhook delivered twice counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import phonenumbers

from ringback.clock import Clock
from ringback.errors import RingbackError
from ringback.redis_keys import CallbackKeys

WINDOW_SECONDS = 3600
# The prefix of a destination is its E.164 form less this many digits: a block of 1000.
PREFIX_DROP_DIGITS = 3
# The one count of every caller without a valid number (anonymous, +266696687, client:...).
WITHHELD = "withheld"

RECORD_REQUEST = """\
-- KEYS[1..n] the request logs to count in: sorted sets, member = callback ref,
--             score = when it was requested (seconds)
-- ARGV[1] now (seconds)
-- ARGV[2] the window (seconds)
-- ARGV[3] the callback ref
-- ARGV[3+i] the most requests KEYS[i] may hold within the window
-- Records the request in every log unless one is full.  Returns 0 when recorded,
-- -1 when it was recorded before (a repeated request), else i of the first full log.
local now, window, ref = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZSCORE', KEYS[i], ref) then return -1 end
end
for i = 1, #KEYS do
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[3 + i]) then return i end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ref)
  redis.call('EXPIRE', KEYS[i], window)
end
return 0
"""


class LimitKind(str, Enum):
    CALLER = "caller"
    NUMBER = "number"
    PREFIX = "prefix"


@dataclass(frozen=True)
class Limits:
    """The most callbacks within ``WINDOW_SECONDS``; 0 turns a count off."""

    per_caller: int = 5
    per_number: int = 3
    per_prefix: int = 10


class CallbackLimitReached(RingbackError):
    """Too many callbacks were asked for within the hour; ``kind`` names the count."""

    def __init__(self, kind: LimitKind, limit: int) -> None:
        self.kind = kind
        self.limit = limit
        super().__init__(f"at most {limit} callbacks per hour per {kind.value}")


def destination_prefix(e164: str) -> str:
    """The block of numbers ``e164`` belongs to: the number less its last digits."""
    return e164[:-PREFIX_DROP_DIGITS]


class CallbackLimits:
    """The counts of the module docstring; owns ``CallbackKeys.limit_log`` (``redis_keys``)."""

    def __init__(self, redis: Any, clock: Clock, limits: Limits) -> None:
        self._redis = redis
        self._clock = clock
        self._limits = limits
        self._record = redis.register_script(RECORD_REQUEST)

    def record(self, ref: str, caller: str, number: str) -> bool:
        """Count callback ``ref`` from ``caller`` to ``number``; whether it is new.

        Raises ``CallbackLimitReached`` (nothing counted) when any count is full.
        """
        counted = self._counted(caller, number)
        if not counted:
            return False
        keys = [CallbackKeys.limit_log(kind, subject) for kind, subject, _ in counted]
        limits = [limit for _, _, limit in counted]
        result = int(self._record(keys=keys, args=[self._clock.now(), WINDOW_SECONDS, ref,
                                                   *limits]))
        if result > 0:
            kind, _, limit = counted[result - 1]
            raise CallbackLimitReached(kind, limit)
        return result == 0

    def forget(self, ref: str, caller: str, number: str) -> None:
        """Take back a request counted by ``record`` that did not become a callback."""
        pipe = self._redis.pipeline(transaction=True)
        for kind, subject, _ in self._counted(caller, number):
            pipe.zrem(CallbackKeys.limit_log(kind, subject), ref)
        pipe.execute()

    def _counted(self, caller: str, number: str) -> list[tuple[LimitKind, str, int]]:
        subjects = [
            (LimitKind.CALLER, _caller_subject(caller), self._limits.per_caller),
            (LimitKind.NUMBER, number, self._limits.per_number),
            (LimitKind.PREFIX, destination_prefix(number), self._limits.per_prefix),
        ]
        return [(kind, subject, limit) for kind, subject, limit in subjects if limit > 0]


def _caller_subject(caller: str) -> str:
    """A caller's own count: the E.164 number, or ``WITHHELD`` for one that is not valid."""
    try:
        number = phonenumbers.parse(caller or "")
    except phonenumbers.NumberParseException:
        return WITHHELD
    if not (caller.startswith("+") and phonenumbers.is_valid_number(number)):
        return WITHHELD
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
