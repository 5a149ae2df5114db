"""Domain errors.

Plain exceptions that domain code raises; the web edge maps them to HTTP
status codes (``ringback.api.errors``) or TwiML fallbacks in one place.
Domain code never knows HTTP.
"""

from __future__ import annotations


class RingbackError(Exception):
    """Base of every domain error."""


class ValidationError(RingbackError):
    """Input broke a rule; ``errors`` maps each field to what it must be."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class NotFound(RingbackError):
    """The thing named by an id does not exist."""

    def __init__(self, what: str, ident: object) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"{what} {ident!r} not found")


class PermissionDenied(RingbackError):
    """The caller is known but may not do this."""


class Conflict(RingbackError):
    """The request is valid but clashes with the current state."""
