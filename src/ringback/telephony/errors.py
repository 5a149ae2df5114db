"""Errors of the telephony adapters.

Every failure of an outbound operation surfaces as a ``TelephonyError`` that
says, in words an agent or admin can read, why it failed and whether trying
the same operation again later is safe and useful (``retryable``).  The
Twilio error codes that change what ringback does have their own classes.
"""

from __future__ import annotations

from ringback.errors import RingbackError


class TelephonyError(RingbackError):
    """An outbound telephony operation failed.

    ``code`` is the Twilio error code when Twilio gave one (``None`` for a
    network failure); ``retryable`` is True only when repeating the whole
    operation later cannot duplicate a call.
    """

    def __init__(
        self, code: int | None, reason: str, retryable: bool = False, *, status: int | None = None
    ) -> None:
        self.code = code
        self.reason = reason
        self.retryable = retryable
        self.status = status
        prefix = f"Twilio error {code}: " if code is not None else ""
        super().__init__(f"{prefix}{reason}")


class InvalidNumber(TelephonyError):
    """21211 / 21212: Twilio does not accept the 'To' or 'From' number."""


class GeoPermissionDenied(TelephonyError):
    """21215: the account's geo permissions do not allow calls to that country."""


class RateLimited(TelephonyError):
    """20429: Twilio refused with "too many requests" (after the bounded backoff of an
    idempotent operation; at once for a call's creation, which its caller reschedules)."""


class CallNotFound(TelephonyError):
    """20404: Twilio knows no call (or queue member) with that sid."""


class CallNotInProgress(TelephonyError):
    """21220: the call already ended, so it can no longer be redirected."""


class TelephonyUnavailable(TelephonyError):
    """Twilio answered 5xx or could not be reached, and retrying did not help."""


class CallOutcomeUnknown(TelephonyError):
    """Creating the call failed in a way that may have created it anyway (a 5xx,
    a lost connection): retrying could ring the number twice.  The call, if it
    exists, reports itself to the attempt's status callback URL."""


# Twilio codes with a fixed meaning for ringback: class, reason, retryable.
KNOWN_CODES: dict[int, tuple[type[TelephonyError], str, bool]] = {
    20003: (TelephonyError, "Twilio rejected the account credentials", False),
    20404: (CallNotFound, "Twilio has no such call or queue member", False),
    20429: (RateLimited, "Twilio is rate limiting requests (too many requests)", True),
    21211: (InvalidNumber, "the 'To' number is not a valid phone number", False),
    21212: (InvalidNumber, "the 'From' number is not a valid caller id", False),
    21215: (
        GeoPermissionDenied,
        "calls to this number's country are not enabled in the Twilio geo permissions",
        False,
    ),
    21220: (CallNotInProgress, "the call is no longer in progress", False),
}


def error_for_code(code: int | None, message: str, status: int | None) -> TelephonyError:
    """The TelephonyError for a Twilio error answer; unknown codes keep Twilio's message."""
    if status == 429 and code not in KNOWN_CODES:
        code = 20429
    known = KNOWN_CODES.get(code) if code is not None else None
    if known is not None:
        cls, reason, retryable = known
        return cls(code, reason, retryable, status=status)
    if status is not None and status >= 500:
        return TelephonyUnavailable(code, message or f"Twilio answered {status}", True,
                                    status=status)
    return TelephonyError(code, message or f"Twilio answered {status}", False, status=status)
