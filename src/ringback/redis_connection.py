"""How every ringback process reaches Redis: REDIS_URL, or the embedded server.

REDIS_URL names one server (``redis://``, ``rediss://``, ``unix://``) or, for
high availability, the Sentinels that watch a master and its replicas
(``redis+sentinel://``, see ``SENTINEL_URL_FORM``).  Either way ``connect``
returns an ordinary ``redis.Redis``; with Sentinel its pool follows the master
through a failover.

Every client has timeouts (``COMMAND_TIMEOUT_SECONDS``): a stalled Redis (a
stopped server whose socket still accepts, a network that drops packets)
fails a command within two seconds instead of hanging a webhook past
Twilio's 15 s, and the webhook still answers (docs/webhooks.md). Long
blocking reads (the live board's ``XREAD BLOCK``, rq's dequeue) use a client
of their own, ``blocking_twin(client)``, whose read timeout outlasts them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool

from ringback.embedded_redis import EmbeddedRedis

if TYPE_CHECKING:
    from ringback.settings import Settings

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_URL_FORM = (
    "redis+sentinel://[[user]:password@]host:port[,host:port...]/<service name>[/<db>]"
)
SENTINEL_DEFAULT_PORT = 26379
# How long one question to one Sentinel may take; the next Sentinel is asked after it.
SENTINEL_TIMEOUT_SECONDS = 1.0
# How often a process asks the Sentinels whether the master moved (see _MasterFollowingPool).
MASTER_CHECK_SECONDS = 1.0
# How long one command (or one connection attempt) may take: Redis answers in well
# under a millisecond, and a webhook must answer well inside Twilio's 15 s.
COMMAND_TIMEOUT_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 2.0
# The read timeout of a client for blocking reads: longer than any block ringback asks
# for (the live board's 15 s); rq raises it further for its own dequeue.
BLOCKING_READ_TIMEOUT_SECONDS = 60.0
# A refused or broken connection (a restart, a failover) is tried again a few times,
# 0.05 to 0.4 s apart; a timeout is not: the command may have run, and a stalled
# server would only cost one more timeout.
CONNECTION_RETRIES = 3


class SentinelUrlError(ValueError):
    """A redis+sentinel:// URL that does not follow ``SENTINEL_URL_FORM``; says what is wrong."""


@dataclass(frozen=True)
class SentinelUrl:
    """Where the Sentinels listen, the service name of the master they watch, how to log in."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None


def text(value: Any) -> str:
    """A reply value as str, whether the client decodes responses or not ('' for nil).

    ringback's clients keep replies as bytes (rq needs them); this is the one
    place that turns them into text."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


def is_sentinel_url(url: str) -> bool:
    return url.lower().startswith(f"{SENTINEL_SCHEME}://")


def parse_sentinel_url(url: str) -> SentinelUrl:
    """The parts of a ``SENTINEL_URL_FORM`` URL; a Sentinel without a port listens on 26379.

    User name and password are the master's (and its replicas'), percent-decoded.
    Error messages name the faulty part but never repeat the password.
    """
    if not is_sentinel_url(url):
        raise SentinelUrlError(f"must start with {SENTINEL_SCHEME}://")
    rest = url[len(SENTINEL_SCHEME) + 3:]
    if "?" in rest or "#" in rest:
        raise SentinelUrlError("takes no ?options or #fragment")
    netloc, _, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = (unquote(secret) or None) if colon else None
    sentinels = tuple(_sentinel_address(part) for part in hosts.split(","))
    parts = path.removesuffix("/").split("/") if path else []
    if not parts or not parts[0]:
        raise SentinelUrlError("must name the master's service after the Sentinel hosts "
                               "(host:port/<service name>)")
    if len(parts) > 2:
        raise SentinelUrlError(f"must end with /<service name>[/<db>], not /{path}")
    db = 0
    if len(parts) == 2:
        if not re.fullmatch(r"[0-9]+", parts[1]):
            raise SentinelUrlError(f"must give the database as a whole number of 0 or more "
                                   f"(/<service name>/<db>), not {parts[1]!r}")
        db = int(parts[1])
    return SentinelUrl(sentinels=sentinels, service=unquote(parts[0]), db=db,
                       username=username, password=password)


def _sentinel_address(part: str) -> tuple[str, int]:
    if not part.strip():
        raise SentinelUrlError("must list the Sentinels as host:port, separated by commas")
    split = urlsplit(f"//{part.strip()}")
    rule = f"must give each Sentinel as host:port with a port from 1 to 65535, not {part!r}"
    try:
        port = split.port
    except ValueError:
        raise SentinelUrlError(rule) from None
    if not split.hostname or port == 0:
        raise SentinelUrlError(rule)
    return split.hostname, port or SENTINEL_DEFAULT_PORT


class _MasterFollowingPool(SentinelConnectionPool):
    """redis-py's Sentinel pool, asking the Sentinels for the master at most once a second.

    redis-py asks only when it opens a connection.  After a switch-over with
    the old master still running (``SENTINEL FAILOVER``, maintenance), open
    connections keep writing to the old master until Sentinel demotes it about
    ten seconds later, and the old master then drops those writes when it
    copies the new one.  Asking before handing out a connection closes the
    connections to the old master as soon as the Sentinels name another.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next_check = 0.0

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + MASTER_CHECK_SECONDS
            try:
                self.get_master_address()  # closes idle connections when the master moved
            except MasterNotFoundError:
                pass  # no Sentinel answers: keep using the master we know
        return super().get_connection(*args, **kwargs)


def redis_url_for(settings: Settings, *, start_embedded: bool = True) -> str:
    """REDIS_URL, or the embedded server's socket (started here if nobody runs it)."""
    if settings.redis_url:
        return settings.redis_url
    embedded = EmbeddedRedis(settings.data_dir)
    if start_embedded and not embedded.is_running():
        embedded.start()
    return embedded.url


def connect(url: str) -> redis.Redis:
    """A client of the server ``url`` names; for Sentinel, of the current master.

    Its commands time out after ``COMMAND_TIMEOUT_SECONDS``; ``blocking_twin``
    gives a client for blocking reads.
    """
    options: dict[str, Any] = {
        "socket_timeout": COMMAND_TIMEOUT_SECONDS,
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "retry": Retry(ExponentialBackoff(cap=0.4, base=0.05), CONNECTION_RETRIES,
                       supported_errors=(redis.ConnectionError,)),
        "health_check_interval": 30,
    }
    if not is_sentinel_url(url):
        return redis.Redis.from_url(url, **options)
    target = parse_sentinel_url(url)
    sentinels = Sentinel(
        list(target.sentinels),
        sentinel_kwargs={
            "socket_timeout": SENTINEL_TIMEOUT_SECONDS,
            "socket_connect_timeout": SENTINEL_TIMEOUT_SECONDS,
            # Each question goes to the next Sentinel when one fails; no retries on top.
            "retry": Retry(NoBackoff(), 0),
        },
    )
    return sentinels.master_for(
        target.service,
        connection_pool_class=_MasterFollowingPool,
        db=target.db,
        username=target.username,
        password=target.password,
        **options,
    )


def blocking_twin(client: redis.Redis) -> redis.Redis:
    """A client of the same server as ``client`` (with Sentinel: of the same master),
    on a pool of its own, whose reads may block ``BLOCKING_READ_TIMEOUT_SECONDS``.

    For ``XREAD BLOCK`` and rq's dequeue: on ``client`` such a read would end at
    the command timeout, and rq would raise that timeout for every user of the pool.
    """
    pool = client.connection_pool
    kwargs = {key: value for key, value in pool.connection_kwargs.items()
              if key != "connection_pool"}  # a Sentinel pool's reference to itself
    kwargs["socket_timeout"] = BLOCKING_READ_TIMEOUT_SECONDS
    twin: redis.ConnectionPool
    if isinstance(pool, SentinelConnectionPool):
        twin = type(pool)(pool.service_name, pool.sentinel_manager,
                          connection_class=pool.connection_class, is_master=pool.is_master,
                          check_connection=pool.check_connection, **kwargs)
    else:
        twin = type(pool)(connection_class=pool.connection_class,
                          max_connections=pool.max_connections, **kwargs)
    return redis.Redis(connection_pool=twin)
