"""Call events for the signed CTI webhook, in the shape of Zammad's generic CTI API.

``newCall`` when a caller joins a queue or asks for a callback, ``answer`` when
an agent is connected, ``hangup`` when the call ends or a callback expires.
The seams only enqueue (``emit``): the job writes the outbox row and sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from ringback.queue.models import Entry, EntryKind

log = logging.getLogger(__name__)

NEW_CALL = "newCall"
ANSWER = "answer"
HANGUP = "hangup"


def event_fields(event: str, entry: Entry, *, user: str = "", cause: str = "") -> dict[str, str]:
    """The form fields of one event about a queue entry (all calls come in: direction in)."""
    number = entry.callback_number if entry.kind is EntryKind.CALLBACK \
        and entry.callback_number else entry.caller
    fields = {"event": event, "from": number, "to": entry.dialled, "direction": "in",
              "callId": entry.call_sid or f"{entry.queue_id}:{entry.entry_id}",
              "user": user or (entry.accepted_by or ""), "queue": entry.queue_id}
    if cause:
        fields["cause"] = cause
    return fields


class CallEvents:
    """Hands call events to a job; does nothing while no CTI webhook is configured."""

    def __init__(self, enqueue: Callable[[Mapping[str, str]], object] | None) -> None:
        self._enqueue = enqueue

    @property
    def enabled(self) -> bool:
        return self._enqueue is not None

    def emit(self, event: str, entry: Entry | None, *, user: str = "", cause: str = "") -> None:
        if self._enqueue is None or entry is None:
            return
        try:
            self._enqueue(event_fields(event, entry, user=user, cause=cause))
        except Exception:  # the call goes on; the event is lost only with Redis itself
            log.exception("the CTI event %s could not be queued", event)


def event_key(fields: Mapping[str, str]) -> str:
    """One outbox row per event of a call (a retried webhook sends it once)."""
    return f"cti:{fields.get('event')}:{fields.get('callId')}:{fields.get('user', '')}"
