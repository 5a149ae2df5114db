"""A note, written inside the webhook, that the customer's leg reported its result.

Twilio requests the ``<Dial action>`` (the customer's result) before the
agent's leg can end, but both only enqueue jobs, and two workers may run
them in either order.  The dial-done webhook writes this note before it
answers Twilio, so the job for the agent's leg ending (a fallback outcome)
knows to yield.  One SET with a TTL: cheap enough for the webhook path.
"""

from __future__ import annotations

from typing import Any

from ringback.callbacks.service import parse_entry_ref

TTL_SECONDS = 86_400


class DialResultKeys:
    """``rb:{q:<queue_id>}:cbdial:<entry_id>@<ms>``: string, the DialCallStatus reported
    for one callback attempt (attempt key ``<queue_id>:<entry_id>@<ms>``)."""

    @staticmethod
    def result(attempt_key: str) -> str:
        ref, _, ms = attempt_key.rpartition("@")
        queue_id, entry_id = parse_entry_ref(ref)
        return f"rb:{{q:{queue_id}}}:cbdial:{entry_id}@{ms}"


class DialResults:
    def __init__(self, redis: Any) -> None:
        self._redis = redis

    def note(self, attempt_key: str, dial_status: str) -> None:
        self._redis.set(DialResultKeys.result(attempt_key), dial_status, ex=TTL_SECONDS)

    def seen(self, attempt_key: str) -> bool:
        return bool(self._redis.exists(DialResultKeys.result(attempt_key)))
