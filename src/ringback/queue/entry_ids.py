"""Queue entry ids: short, URL-safe, time-ordered, unique without Redis remembering.

An entry id outlives its entry: it is the callback record's ``ref`` and the
ticket's idempotency key in SQL.  A counter in Redis repeats itself after
Redis loses its last writes (AOF's last second, a failover to a replica that
lagged), and a new callback then took over an old record and ticket.  So ids
are minted here, ULID-like, from the clock and ``os.urandom``:

    t 1kz3m8q2v 7h0c4w9x2m6f
    | |         '- 60 random bits (12 characters)
    | '- the enqueue time in ms (9 characters, until the year 3084)
    '- the letter that marks this shape

in Crockford's base 32, lower case, whose characters sort in the order they
count, so ids sort by time.  Within a process ids are also strictly
increasing (the random part counts up within one millisecond, and a clock
that goes back is not followed), so entries of equal queue score keep the
order they joined in.  Like the ``uuid`` module's ``uuid7``, the last id is
process state (a lock and two numbers), created on first use.

Entries joined before this kept their ids from the old counter (a length
letter, then base-36 digits: ``a1`` .. ``az``, ``b10`` ..), which
``ENTRY_ID`` still accepts.  A ``t``-shaped old id would be 21 characters
long, a new one is 22: the two shapes never meet.
"""

from __future__ import annotations

import os
import re
import threading

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case
MARK = "t"
TIME_CHARS = 9
RANDOM_CHARS = 12
RANDOM_BITS = 5 * RANDOM_CHARS

# Every entry id ringback ever made: this shape, or the old counter's.
ENTRY_ID = re.compile(r"^[a-z][0-9a-z]{1,24}$")
NEW_ENTRY_ID = re.compile(rf"^{MARK}[{ALPHABET}]{{{TIME_CHARS + RANDOM_CHARS}}}$")

_lock = threading.Lock()
_last = [-1, 0]  # ms and random part of the last id this process minted


def is_entry_id(value: object) -> bool:
    """Whether ``value`` has the shape of an entry id (new or old)."""
    return isinstance(value, str) and ENTRY_ID.fullmatch(value) is not None


def new_entry_id(now: float) -> str:
    """A fresh entry id for an entry that joins at ``now`` (epoch seconds)."""
    ms = max(0, int(now * 1000))
    with _lock:
        last_ms, last_random = _last
        if ms <= last_ms:
            ms, rand = last_ms, last_random + 1
            if rand >> RANDOM_BITS:  # 2**60 ids in one ms: borrow the next one
                ms, rand = ms + 1, _random()
        else:
            rand = _random()
        _last[0], _last[1] = ms, rand
    return MARK + _base32(ms, TIME_CHARS) + _base32(rand, RANDOM_CHARS)


def _random() -> int:
    # One bit less than the field, so counting up within a millisecond has room.
    return int.from_bytes(os.urandom(8), "big") >> (64 - RANDOM_BITS + 1)


def _base32(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        digits.append(ALPHABET[digit])
    if value:
        raise ValueError(f"{width} base-32 characters cannot hold the value")
    return "".join(reversed(digits))
