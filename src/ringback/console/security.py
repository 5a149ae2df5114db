"""Password hashing, log-in lock-out and CSRF tokens for the console.

Nothing here knows Flask: the web layer passes in what it read from the
request, so the rules are tested on their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import redis

from ringback.clock import Clock
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


# The lock-out: both keys of one e-mail share its hash tag, so the script
# also runs on Redis Cluster.
RECORD_FAILURE = """
-- KEYS[1] failure counter of the e-mail, KEYS[2] lock marker of the e-mail
-- ARGV[1] failure window (s), ARGV[2] failures that lock, ARGV[3] locked-until
-- (epoch s, by ringback's clock), ARGV[4] lock marker lifetime (s)
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
end
if failures >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[3], 'EX', tonumber(ARGV[4]))
  redis.call('DEL', KEYS[1])
end
return failures
"""


@dataclass(frozen=True)
class Lockout:
    """An e-mail address that may not log in until ``until`` (epoch seconds)."""

    until: float

    def minutes_left(self, now: float) -> int:
        return max(1, int((self.until - now + 59) // 60))


class LoginThrottle:
    """Locks an e-mail address out after repeated wrong passwords.

    Keys, per e-mail address (its SHA-256 digest, so no address sits in Redis):
      ringback:login:{<digest>}:failures  wrong passwords in the window (TTL)
      ringback:login:{<digest>}:lock      locked-until time while locked (TTL)
    The lock's end is a clock value, so tests move the clock; the TTLs only
    clean up.
    """

    MAX_FAILURES = 5
    WINDOW_SECONDS = 15 * 60
    LOCK_SECONDS = 15 * 60

    def __init__(self, redis_client: redis.Redis, clock: Clock) -> None:
        self._redis = redis_client
        self._clock = clock
        self._record = redis_client.register_script(RECORD_FAILURE)

    @staticmethod
    def keys(email: str) -> tuple[str, str]:
        tag = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"ringback:login:{{{tag}}}:failures", f"ringback:login:{{{tag}}}:lock"

    def lockout(self, email: str) -> Lockout | None:
        raw = self._redis.get(self.keys(email)[1])
        if raw is None:
            return None
        until = float(raw)
        return Lockout(until) if until > self._clock.now() else None

    def record_failure(self, email: str) -> Lockout | None:
        """Count a wrong password; the lock-out it caused, if any."""
        until = self._clock.now() + self.LOCK_SECONDS
        failures = int(self._record(
            keys=list(self.keys(email)),
            args=[self.WINDOW_SECONDS, self.MAX_FAILURES, repr(until), self.LOCK_SECONDS + 60],
        ))
        return Lockout(until) if failures >= self.MAX_FAILURES else None

    def clear(self, email: str, pipeline: redis.client.Pipeline | None = None) -> None:
        """Forget the failures after a successful log-in."""
        (pipeline or self._redis).delete(self.keys(email)[0])


def csrf_token(secret: str, binding: str) -> str:
    """The form token for one session (or one anonymous browser)."""
    mac = hmac.new(secret.encode(), b"ringback-csrf:" + binding.encode(), hashlib.sha256)
    return mac.hexdigest()


def csrf_matches(secret: str, binding: str, given: str | None) -> bool:
    if not given or not binding:
        return False
    return hmac.compare_digest(csrf_token(secret, binding).encode(), given.encode())


def new_token() -> str:
    """A random secret for a cookie or a one-time link."""
    return secrets.token_urlsafe(32)

