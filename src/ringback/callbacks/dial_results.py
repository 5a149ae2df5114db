"""Notes the webhooks write about a callback attempt's calls, for the jobs to read.

Two facts arrive as Twilio webhooks while jobs decide, and each is one cheap
Redis write on the webhook path (a key with a TTL, no SQL):

* the customer's leg reported its result (``<Dial action>``): Twilio requests
  it before the agent's leg can end, but both only enqueue jobs, and two
  workers may run them in either order, so the job for the agent's leg ending
  (a fallback outcome) knows to yield;
* a call of the attempt exists: every status callback of the agent's leg
  (``initiated`` first) names the attempt in its URL and carries the CallSid.
  That is how a call is identified after Twilio answered its creation with a
  5xx: by the attempt it was created for, never by To/From/time, which every
  callback of one agent shares.

The dialing job also counts here how often Twilio refused the creation with
a rate limit, so its rescheduled runs know when to stop.
"""

from __future__ import annotations

from typing import Any

from ringback.callbacks.service import parse_entry_ref
from ringback.redis_keys import DialResultKeys

TTL_SECONDS = 86_400


def _split(attempt_key: str) -> tuple[str, str]:
    """``<queue_id>:<entry_id>@<ms>`` -> (queue id, ``<entry_id>@<ms>``)."""
    ref, _, ms = attempt_key.rpartition("@")
    queue_id, entry_id = parse_entry_ref(ref)
    return queue_id, f"{entry_id}@{ms}"


def _result_key(attempt_key: str) -> str:
    return DialResultKeys.result(*_split(attempt_key))


def _call_key(attempt_key: str) -> str:
    return DialResultKeys.call(*_split(attempt_key))


class DialResults:
    """The attempt notes of the module docstring; owns ``DialResultKeys`` (``redis_keys``)."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis

    def note(self, attempt_key: str, dial_status: str) -> None:
        self._redis.set(_result_key(attempt_key), dial_status, ex=TTL_SECONDS)

    def seen(self, attempt_key: str) -> bool:
        return bool(self._redis.exists(_result_key(attempt_key)))

    def note_call(self, attempt_key: str, call_sid: str) -> bool:
        """A status callback of the attempt's agent leg named its call; the first wins.
        True when that is news: the attempt's first call, or a call other than it."""
        key = _call_key(attempt_key)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "sid", call_sid)
            pipe.hget(key, "sid")
            pipe.expire(key, TTL_SECONDS)
            first, noted, _ = pipe.execute()
        noted = noted.decode() if isinstance(noted, bytes) else noted
        return bool(first) or noted != call_sid

    def reported_call(self, attempt_key: str) -> str | None:
        """The CallSid Twilio reported for the attempt, once it did."""
        sid = self._redis.hget(_call_key(attempt_key), "sid")
        return sid.decode() if isinstance(sid, bytes) else sid

    def count(self, attempt_key: str, what: str) -> int:
        """Count one more ``what`` (e.g. ``limited``) for the attempt; the new count."""
        key = _call_key(attempt_key)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, what, 1)
            pipe.expire(key, TTL_SECONDS)
            counted, _ = pipe.execute()
        return int(counted)
