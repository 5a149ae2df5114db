"""gunicorn's access log without the secrets some URLs carry.

An invitation link (``/console/invitations/<token>``) logs its holder in;
written to the access log it would let anyone who reads the log take the
account.  ``RedactingLogger`` rewrites every value the access-log format can
show (request line, path, query, referer, headers, environ) before gunicorn
formats it.  ``ringback serve`` and the Procfile's web command run gunicorn
with ``--logger-class ringback.access_log.RedactingLogger``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"

# A path segment after one of these prefixes is a secret (also %-encoded,
# as in ``/console/login?next=%2Fconsole%2Finvitations%2F<token>``).
_SECRET_PATHS = ("/console/invitations/",)
# Query parameters whose values are secrets wherever they appear.
_SECRET_PARAMS = ("token", "access_token", "invitation", "setup_code", "code", "secret",
                  "password", "signature")
# Request headers never worth logging: credentials and session cookies.
_SECRET_HEADERS = ("authorization", "cookie", "x-twilio-signature")


def _path_pattern(prefix: str) -> str:
    encoded = re.escape(prefix).replace("/", "(?:/|%2[fF])")
    return f"({encoded})(?:(?!%2[fF])[^/?#&\\s\"])+"


_PATHS = re.compile("|".join(_path_pattern(p) for p in _SECRET_PATHS))
_NAMES = "|".join(_SECRET_PARAMS)
_PARAMS = re.compile(
    rf"((?:^|[?&;]|%3[fF]|%26)(?:{_NAMES})(?:=|%3[dD]))(?:(?!%26)[^&;\s\"#])*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with secret path segments and secret query values replaced."""
    text = _PATHS.sub(lambda m: next(g for g in m.groups() if g) + REDACTED, text)
    return _PARAMS.sub(lambda m: m.group(1) + REDACTED, text)


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger whose access-log atoms have their secrets redacted."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any],
              request_time: timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key[1:-2] in _SECRET_HEADERS and key.endswith("}i"):
                atoms[key] = REDACTED
            elif key.startswith("{http_") and key[6:-2].replace("_", "-") in _SECRET_HEADERS:
                atoms[key] = REDACTED
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
