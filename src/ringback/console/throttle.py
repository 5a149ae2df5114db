"""Log-in throttling: per client address, and per e-mail address at that client.

Two rules, both kept in Redis so every web process shares them, both timed
by ringback's clock (tests move it; the keys' TTLs only clean up):

- the **client address** (``ADDRESS``): the 10th wrong password from one
  address, whatever e-mail addresses they named, and each one after it make
  the address wait before its next try: 1 s, 2 s, 4 s ... at most
  15 minutes.  Password spraying from one place slows to a crawl.
- the **e-mail address at that client** (``ACCOUNT``): 5 wrong passwords for
  one e-mail address from one client address lock that pair for 15 minutes,
  then 30, at most an hour.  The same person at another address is not
  affected, so an attacker's guesses cannot lock the owner out.

A try is counted as wrong *before* the password is checked and given back
when it proves right, so a burst of parallel requests cannot slip several
guesses into one free moment.  Failures are forgotten after an hour without
one.  Behind a reverse proxy the client address is the one the proxy saw
(``RINGBACK_TRUSTED_PROXIES``, see ``client_address``); IPv6 clients count
by their /64 network, which one household or server usually holds whole.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from enum import StrEnum

import redis

from ringback.clock import Clock
from ringback.redis_keys import LoginKeys

ATTEMPT = """
-- KEYS[1] the client address's failures (hash: failures, last, until)
-- KEYS[2] the failures of one e-mail address at that client (same fields)
-- ARGV[1] now (epoch s, ringback's clock), ARGV[2] key lifetime (s)
-- ARGV[3..6] the address's rule: forget after (s), free failures, first delay (s), longest (s)
-- ARGV[7..10] the e-mail address's rule, the same four
-- Refused (a wait still runs): {'address'|'account', until}.
-- Allowed: {'', until if this try proves wrong for the address, ... for the account}.
local now = tonumber(ARGV[1])
local state = {}
for i = 1, 2 do
  local f = redis.call('HMGET', KEYS[i], 'failures', 'last', 'until')
  local until_ = tonumber(f[3] or '0')
  if until_ > now then
    return {i == 1 and 'address' or 'account', tostring(until_)}
  end
  state[i] = {tonumber(f[1] or '0'), tonumber(f[2] or '0')}
end
local result = {''}
for i = 1, 2 do
  local base = 3 + (i - 1) * 4
  local forget, free = tonumber(ARGV[base]), tonumber(ARGV[base + 1])
  local first, longest = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local failures = state[i][1]
  if now - state[i][2] >= forget then failures = 0 end
  failures = failures + 1
  local until_ = 0
  if failures >= free then
    until_ = now + math.min(longest, first * 2 ^ math.min(failures - free, 40))
  end
  redis.call('HSET', KEYS[i], 'failures', failures, 'last', ARGV[1],
             'until', string.format('%.3f', until_))
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[2]))
  result[i + 1] = string.format('%.3f', until_)
end
return result
"""

SUCCEEDED = """
-- KEYS[1] the client address's failures, KEYS[2] the e-mail address's at that client
-- The try counted in advance was right: give it back to the address (its
-- other failures stay), and forget the pair's failures.
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if failures > 0 then
  redis.call('HSET', KEYS[1], 'failures', failures - 1, 'until', '0')
end
redis.call('DEL', KEYS[2])
return failures
"""


class Limit(StrEnum):
    """Which rule refused a log-in."""

    ADDRESS = "address"
    ACCOUNT = "account"


@dataclass(frozen=True)
class Backoff:
    """The ``free``-th failure and each after it make the next try wait: ``first``,
    doubling, at most ``longest``; failures are forgotten ``forget`` seconds
    after the last one."""

    free: int
    first: float
    longest: float
    forget: float

    def delay_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.longest, self.first * 2 ** min(failures - self.free, 40))

    def args(self) -> list[float]:
        return [self.forget, self.free, self.first, self.longest]


@dataclass(frozen=True)
class Refusal:
    """No log-in from here (for this e-mail address, or at all) until ``until``."""

    limit: Limit
    until: float

    def seconds_left(self, now: float) -> int:
        return max(1, math.ceil(self.until - now - 1e-6))

    def wait_text(self, now: float) -> str:
        """How long to wait, in the words of the page: "12 seconds", "15 minutes"."""
        seconds = self.seconds_left(now)
        if seconds < 60:
            return f"{seconds} second{'s' if seconds != 1 else ''}"
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class Attempt:
    """The answer to "may this client try?": refused, or what a wrong password will cost."""

    refused: Refusal | None
    if_wrong: Refusal | None = None


class LoginThrottle:
    """The two log-in limits of the module docstring.

    Keys: ``LoginKeys`` (``redis_keys``), per client address (digests, so no
    address sits in Redis), both under the address's hash tag so one script
    reads and counts both: failures, last, until; per address and per e-mail.
    """

    ADDRESS = Backoff(free=10, first=1.0, longest=15 * 60.0, forget=3600.0)
    ACCOUNT = Backoff(free=5, first=15 * 60.0, longest=3600.0, forget=3600.0)
    KEY_LIFETIME = 2 * 3600

    def __init__(self, redis_client: redis.Redis, clock: Clock) -> None:
        self._redis = redis_client
        self._clock = clock
        self._attempt = redis_client.register_script(ATTEMPT)
        self._succeeded = redis_client.register_script(SUCCEEDED)

    @staticmethod
    def keys(email: str, address: str) -> list[str]:
        tag = _digest(client_key(address))
        account = _digest(email.strip().lower())
        return [LoginKeys.address(tag), LoginKeys.account(tag, account)]

    def attempt(self, email: str, address: str) -> Attempt:
        """May ``address`` try a password for ``email`` now?  Counts the try as wrong."""
        reply = self._attempt(
            keys=self.keys(email, address),
            args=[repr(self._clock.now()), self.KEY_LIFETIME,
                  *self.ADDRESS.args(), *self.ACCOUNT.args()],
        )
        first, *untils = (_text(part) for part in reply)
        if first:
            return Attempt(Refusal(Limit(first), float(untils[0])))
        worst = max((float(until), limit) for until, limit in zip(untils, Limit, strict=True))
        return Attempt(None, Refusal(worst[1], worst[0]) if worst[0] > 0 else None)

    def succeeded(self, email: str, address: str) -> None:
        """The password was right: give the try back and forget this pair's failures."""
        self._succeeded(keys=self.keys(email, address), args=[])


def client_key(address: str) -> str:
    """What the limits count by: the IPv4 address, or the /64 of an IPv6 one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(remote_addr: str, forwarded_for: list[str], trusted_proxies: int) -> str:
    """The client's address: the peer, or what the ``trusted_proxies`` nearest proxies saw.

    Each proxy appends the address it received the request from to
    X-Forwarded-For, so with N trusted proxies the client is the N-th entry
    from the right; entries further left are whatever the client claimed.
    With no trusted proxy (the default) the header is ignored: anyone can
    send it.
    """
    if trusted_proxies <= 0:
        return remote_addr
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return remote_addr
    return hops[-trusted_proxies]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
