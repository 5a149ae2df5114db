"""Call events for the signed CTI webhook, in the shape of Zammad's generic CTI API.

A live call and the callback it may become are two calls with callIds of their
own, since Zammad refuses a second ``newCall`` of one callId:

- live call: ``newCall`` when the caller joins a queue; ``answer`` when an agent
  takes it; ``hangup`` when it ends (``normalClearing``), the caller hangs up
  waiting (``cancel``), leaves at max wait (``noAnswer``) or asks for a callback
  (``forwarded``, which Zammad does not count as missed);
- callback: ``newCall`` when it is requested (from the number to call back);
  ``answer`` when the customer picks up the agent's call; ``hangup`` when that
  call ends (its outcome as the cause) or the callback expires (``expired``).

The seams only enqueue (``emit``): the job names the agent, writes the outbox
row and sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from ringback.queue.models import Entry, EntryKind

log = logging.getLogger(__name__)


class CallbackLike(Protocol):
    """What ``callback_fields`` reads of a callback (``CallbackRecord`` has it)."""

    @property
    def queue_id(self) -> str: ...
    @property
    def entry_id(self) -> str: ...
    @property
    def caller(self) -> str: ...
    @property
    def callback_number(self) -> str: ...
    @property
    def dialled(self) -> str: ...

NEW_CALL = "newCall"
ANSWER = "answer"
HANGUP = "hangup"

# Hang-up causes (Zammad's, and ``expired`` of our own).
NORMAL_CLEARING = "normalClearing"
CANCEL = "cancel"
NO_ANSWER = "noAnswer"
BUSY = "busy"
CONGESTION = "congestion"
FORWARDED = "forwarded"
EXPIRED = "expired"

LIVE = "live"
CALLBACK = "callback"


def live_call_id(entry: Entry) -> str:
    return entry.call_sid or f"{entry.queue_id}-{entry.entry_id}"


def callback_call_id(queue_id: str, entry_id: str) -> str:
    return f"callback-{queue_id}-{entry_id}"


def call_fields(event: str, *, call_id: str, from_: str, to: str, queue: str,
                user: str = "", cause: str = "") -> dict[str, str]:
    """The form fields of one event; every call comes in (direction ``in``)."""
    fields = {"event": event, "from": from_, "to": to, "direction": "in",
              "callId": call_id, "queue": queue}
    if user:
        fields["user"] = user
    if cause:
        fields["cause"] = cause
    return fields


def event_fields(event: str, entry: Entry, *, user: str = "", cause: str = "",
                 leg: str | None = None) -> dict[str, str]:
    """The fields of one event about a queue entry: of its live call, or of its
    callback (``leg``; by default the entry's kind decides)."""
    callback = entry.kind is EntryKind.CALLBACK if leg is None else leg == CALLBACK
    if callback:
        return call_fields(event, call_id=callback_call_id(entry.queue_id, entry.entry_id),
                           from_=entry.callback_number or entry.caller, to=entry.dialled,
                           queue=entry.queue_id, user=user, cause=cause)
    return call_fields(event, call_id=live_call_id(entry), from_=entry.caller,
                       to=entry.dialled, queue=entry.queue_id, user=user, cause=cause)


def callback_fields(event: str, record: CallbackLike, *, cause: str = "") -> dict[str, str]:
    """The fields of one event about a callback, from its SQL record (the queue entry
    may be gone by the time its call ends)."""
    return call_fields(event, call_id=callback_call_id(record.queue_id, record.entry_id),
                       from_=record.callback_number or record.caller, to=record.dialled,
                       queue=record.queue_id, cause=cause)


class CallEvents:
    """Hands call events to a job; does nothing while no CTI webhook is configured.

    ``enqueue`` receives the fields and the id of the agent the job names as
    ``user`` (an answer), or None.
    """

    def __init__(self, enqueue: Callable[[Mapping[str, str], str | None], object] | None
                 ) -> None:
        self._enqueue = enqueue

    @property
    def enabled(self) -> bool:
        return self._enqueue is not None

    def emit(self, event: str, entry: Entry | None, *, cause: str = "",
             leg: str | None = None, agent_id: str | None = None) -> None:
        if self._enqueue is None or entry is None:
            return
        self.emit_fields(event_fields(event, entry, cause=cause, leg=leg), agent_id)

    def emit_fields(self, fields: Mapping[str, str], agent_id: str | None = None) -> None:
        if self._enqueue is None:
            return
        try:
            self._enqueue(fields, agent_id)
        except Exception:  # the call goes on; the event is lost only with Redis itself
            log.exception("the CTI event %s could not be queued", fields.get("event"))


def event_key(fields: Mapping[str, str]) -> str:
    """One outbox row per event of a call (a retried webhook sends it once)."""
    return f"cti:{fields.get('event')}:{fields.get('callId')}"
