"""What one Twilio voice webhook says about the call, read defensively.

Twilio's parameters and our own query string (the signed ``CallState``) are
read into one frozen value. Only a missing or malformed ``CallSid`` is an
error: without it nothing can be remembered about the call. Everything else
has a harmless default, so garbage input leads to a re-prompt, not a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ringback.errors import ValidationError
from ringback.ivr.state import CallState
from ringback.parsing import ascii_whole
from ringback.queue.entry_ids import is_entry_id

# Twilio's are "CA" and 32 hex digits; the sid also names a Redis hash tag,
# so no braces or other punctuation get through.
CALL_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
ENTRY_PARAM = "entry"
MAX_PARAM = 64
MAX_URL = 2000
# The call is over: a caller still waiting has abandoned.
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True)
class CallRequest:
    call_sid: str
    caller: str = ""  # From: E.164, or "anonymous", "client:alice", ...
    dialled: str = ""  # To: the business number
    digits: str | None = None
    state: CallState = field(default_factory=CallState)
    queue_result: str | None = None
    call_status: str | None = None
    recording_url: str | None = None
    recording_seconds: int | None = None
    entry_id: str | None = None  # our waitUrl names the caller's queue entry

    @classmethod
    def from_twilio(cls, form: Mapping[str, str], query: Mapping[str, str]) -> CallRequest:
        """Raises ``ValidationError`` only for a missing or malformed ``CallSid``."""
        sid = (form.get("CallSid") or "").strip()
        if not CALL_SID.fullmatch(sid):
            raise ValidationError({"CallSid": "is required: CA followed by 32 hex digits"})
        digits = form.get("Digits")
        recording = (form.get("RecordingUrl") or "").strip()
        duration = (form.get("RecordingDuration") or "").strip()
        return cls(
            call_sid=sid,
            caller=_short(form.get("From")),
            dialled=_short(form.get("To")),
            digits=_short(digits) if digits is not None else None,
            state=CallState.from_params(query),
            queue_result=_short(form.get("QueueResult")) or None,
            call_status=_short(form.get("CallStatus")).lower() or None,
            recording_url=recording if recording.startswith(("https://", "http://"))
            and len(recording) <= MAX_URL else None,
            recording_seconds=ascii_whole(duration, max_digits=6),
            entry_id=entry if is_entry_id(entry := query.get(ENTRY_PARAM)) else None,
        )

    @property
    def call_is_over(self) -> bool:
        return self.call_status in FINAL_CALL_STATUSES


def _short(value: str | None) -> str:
    return (value or "").strip()[:MAX_PARAM]
