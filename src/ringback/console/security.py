"""Password hashing, CSRF tokens and signed form tokens for the console.

Nothing here knows Flask: the web layer passes in what it read from the
request, so the rules are tested on their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from ringback.errors import ValidationError

# scrypt with n=2**15, r=8, p=1 needs 32 MiB and ~50-100 ms per hash: slow
# enough for guessing, quick enough for a log-in.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
SCRYPT_MAXMEM = 64 * 1024 * 1024

PASSWORD_MIN = 10
PASSWORD_MAX = 200


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=SCRYPT_MAXMEM
    )


def hash_password(password: str) -> str:
    """``scrypt$n=..,r=..,p=..$salt$hash``: the parameters travel with the hash."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN)
    return f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; a missing hash costs the same time."""
    if not stored:
        hash_password(password)  # the same work as a real check: no timing hint
        return False
    try:
        scheme, params, salt_text, digest_text = stored.split("$")
        values = dict(item.split("=") for item in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        salt, expected = _unb64(salt_text), _unb64(digest_text)
    except (ValueError, KeyError):
        return False
    if scheme != "scrypt":
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(expected)), expected)


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return not stored.startswith(f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}$")


def check_new_password(password: object, repeat: object = None, field: str = "password") -> str:
    """The password if it may be used, else ValidationError naming the rule."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ValidationError(
            {field: f"must be from {PASSWORD_MIN} to {PASSWORD_MAX} characters long"}
        )
    if password.strip() != password:
        raise ValidationError({field: "must not start or end with a space"})
    if repeat is not None and repeat != password:
        raise ValidationError({"repeat": "must be the same password as above"})
    return password


def signature(secret: str, purpose: str, message: str) -> str:
    """HMAC-SHA256 of ``message`` under the installation's secret, for one purpose."""
    mac = hmac.new(secret.encode(), f"ringback-{purpose}:{message}".encode(), hashlib.sha256)
    return mac.hexdigest()


def signature_matches(secret: str, purpose: str, message: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(signature(secret, purpose, message).encode(), given.encode())


def csrf_token(secret: str, binding: str) -> str:
    """The form token for one session (or one anonymous browser)."""
    return signature(secret, "csrf", binding)


def csrf_matches(secret: str, binding: str, given: str | None) -> bool:
    return bool(binding) and signature_matches(secret, "csrf", binding, given)


def new_token() -> str:
    """A random secret for a cookie or a one-time link."""
    return secrets.token_urlsafe(32)

