"""The outbound telephony interface every adapter keeps.

ringback places callbacks agent first: it calls the agent's endpoint, whose
TwiML (at ``url``) then dials the customer.  Call progress comes back to
``status_callback`` as Twilio status webhooks, which the webhooks package
handles; the adapters only talk to the provider's REST API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

# Every progress event of the outbound call is posted to the status callback.
STATUS_CALLBACK_EVENTS: tuple[str, ...] = ("initiated", "ringing", "answered", "completed")


class CallStatus(str, Enum):
    """A call's status as Twilio reports it (resource ``status`` / webhook ``CallStatus``)."""

    QUEUED = "queued"
    INITIATED = "initiated"  # only in status webhooks, never on the REST resource
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset(
    {CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER,
     CallStatus.CANCELED}
)


@dataclass(frozen=True)
class PlacedCall:
    """A call the provider knows about: created by ``place_call`` or found by ``find_calls``.

    ``created_at`` is epoch seconds (the provider's creation time) when known.
    """

    sid: str
    status: CallStatus
    to: str = ""
    from_: str = ""
    created_at: float | None = None


@runtime_checkable
class Telephony(Protocol):
    """Outbound operations on live calls; every failure is a ``TelephonyError``."""

    def place_call(
        self,
        *,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        idempotency_key: str,
        timeout: int = 30,
        caller_id: str | None = None,
        time_limit: int | None = None,
    ) -> PlacedCall:
        """Create an outbound call that fetches its TwiML from ``url``.

        ``idempotency_key`` names the attempt (e.g. ``callback:<id>:1``).  Call
        creation is not idempotent at Twilio, so an adapter never repeats a
        creation whose outcome it does not know: it raises ``CallOutcomeUnknown``,
        and the caller identifies the call, if it exists, by its status
        callbacks, which come to ``status_callback`` (a URL unique to the
        attempt) from ``initiated`` on.  ``RateLimited`` means nothing was
        created; the caller decides when to try again.
        """
        ...

    def redirect_call(self, call_sid: str, url: str) -> None:
        """Make a live call fetch new TwiML from ``url`` (POST), e.g. out of <Enqueue>."""
        ...

    def hangup_call(self, call_sid: str) -> None:
        """End a call; ending a call that already ended is not an error."""
        ...

    def dequeue_member(self, queue_sid: str, call_sid: str, url: str) -> None:
        """Take ``call_sid`` out of Twilio queue ``queue_sid`` and run the TwiML at ``url``."""
        ...

    def find_calls(self, *, to: str, from_: str, started_after: float) -> list[PlacedCall]:
        """Calls from ``from_`` to ``to`` created at or after ``started_after``, newest first.

        For reports and support; not a way to identify the call of an attempt,
        since every call to one agent from one number matches the same filter.
        """
        ...

    def close(self) -> None:
        """Release connections the adapter opened itself (not those it was given)."""
        ...
