"""Every setting of ringback, read from the environment and validated.

``Settings.from_env()`` reads and checks all variables at start-up; a wrong
value raises ``SettingsError`` naming the variable and what it must be, which
the command line turns into one line on stderr and exit status 2.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

# How the simulator ends a callback's call; "manual" plays nothing (a test decides).
SIMULATOR_OUTCOMES = ("answered", "no-answer", "busy", "failed", "manual")


class SettingsError(ValueError):
    """A variable holds a value ringback cannot use."""

    def __init__(self, variable: str, rule: str) -> None:
        self.variable = variable
        self.rule = rule
        super().__init__(f"{variable} {rule}")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    redis_url: str | None
    database_url: str | None
    public_base_url: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_api_base_url: str | None
    secret_key: str
    api_token: str | None
    callback_expiry_seconds: int
    host: str
    port: int
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_security: str = "starttls"
    # The account's default language: numbers without one speak it (prompts fall back to en).
    default_language: str = "en"
    # The browser softphone's access tokens: an API key, and the TwiML app for outgoing calls.
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: str | None = None
    twilio_twiml_app_sid: str | None = None
    # Reverse proxies in front of the web processes whose X-Forwarded-For is
    # believed (the log-in throttle's client address); 0: the peer's address.
    trusted_proxies: int = 0
    # Toll-fraud limits: callbacks per hour per calling number, destination number and
    # destination prefix (the number less its last 3 digits); 0 turns one off.
    callback_limit_per_caller: int = 5
    callback_limit_per_number: int = 3
    callback_limit_per_prefix: int = 10
    # The SIP domains agents' sip: endpoints may name; empty: no SIP endpoints at all.
    sip_domains: frozenset[str] = frozenset()
    # The bearer token Prometheus sends to /metrics; None: only loopback clients may scrape.
    metrics_token: str | None = None
    # Without Twilio credentials: how the simulator plays a callback's call to the
    # customer (answered, no-answer, busy, failed; manual: a test decides), and
    # after how many seconds each leg answers.
    simulator_outcome: str = "answered"
    simulator_answer_seconds: int = 3
    # Helpdesk integrations (ringback.helpdesk); an adapter is configured when all its
    # variables are set, and only then can the console's settings choose it.
    zendesk_url: str | None = None
    zendesk_email: str | None = None
    zendesk_token: str | None = None
    znuny_url: str | None = None
    znuny_webservice: str | None = None
    znuny_user: str | None = None
    znuny_password: str | None = None
    # The customer user of tickets whose caller no Znuny customer user has by phone.
    znuny_customer_user: str | None = None
    cti_webhook_url: str | None = None
    cti_webhook_secret: str | None = None
    # Work orders also go to this webhook, as signed JSON, when both are set
    # (ringback.work_orders.adapter); without them they stay in ringback only.
    work_order_webhook_url: str | None = None
    work_order_webhook_secret: str | None = None

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'ringback.sqlite3'}"

    @property
    def has_twilio_credentials(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def webhook_auth_token(self) -> str:
        """The token Twilio signs webhooks with.

        Without Twilio credentials (the simulator), the installation's secret
        key stands in, so the terminal phone can sign what it sends.
        """
        return self.twilio_auth_token or self.secret_key

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(_get(env, "RINGBACK_DATA_DIR") or "./var").resolve()
        host = _get(env, "RINGBACK_HOST") or "127.0.0.1"
        port = _int(env, "RINGBACK_PORT", default=5000, minimum=1, maximum=65535)
        public = _url(env, "PUBLIC_BASE_URL", schemes=("http", "https"))
        key_sid, key_secret = _api_key(env)
        return cls(
            data_dir=data_dir,
            redis_url=_redis_url(env),
            database_url=_database_url(env),
            public_base_url=(public or f"http://{host}:{port}").rstrip("/"),
            twilio_account_sid=_account_sid(env),
            twilio_auth_token=_get(env, "TWILIO_AUTH_TOKEN"),
            twilio_api_base_url=_url(env, "TWILIO_API_BASE_URL", schemes=("http", "https")),
            secret_key=_secret_key(env, data_dir),
            api_token=_api_token(env),
            callback_expiry_seconds=_int(
                env, "RINGBACK_CALLBACK_EXPIRY_SECONDS", default=3600, minimum=60
            ),
            host=host,
            port=port,
            default_language=_language(env, "RINGBACK_DEFAULT_LANGUAGE") or "en",
            twilio_api_key_sid=key_sid,
            twilio_api_key_secret=key_secret,
            twilio_twiml_app_sid=_sid(env, "TWILIO_TWIML_APP_SID", "AP"),
            trusted_proxies=_int(env, "RINGBACK_TRUSTED_PROXIES", default=0, minimum=0,
                                 maximum=10),
            callback_limit_per_caller=_int(env, "RINGBACK_CALLBACK_LIMIT_PER_CALLER",
                                           default=5, minimum=0),
            callback_limit_per_number=_int(env, "RINGBACK_CALLBACK_LIMIT_PER_NUMBER",
                                           default=3, minimum=0),
            callback_limit_per_prefix=_int(env, "RINGBACK_CALLBACK_LIMIT_PER_PREFIX",
                                           default=10, minimum=0),
            sip_domains=_host_names(env, "RINGBACK_SIP_DOMAINS"),
            metrics_token=_token(env, "RINGBACK_METRICS_TOKEN"),
            simulator_outcome=_choice(env, "RINGBACK_SIMULATOR_OUTCOME",
                                      SIMULATOR_OUTCOMES, default="answered"),
            simulator_answer_seconds=_int(env, "RINGBACK_SIMULATOR_ANSWER_SECONDS", default=3,
                                          minimum=0, maximum=600),
            zendesk_url=_url(env, "RINGBACK_ZENDESK_URL", schemes=("https", "http")),
            zendesk_email=_email(env, "RINGBACK_ZENDESK_EMAIL"),
            zendesk_token=_get(env, "RINGBACK_ZENDESK_TOKEN"),
            znuny_url=_url(env, "RINGBACK_ZNUNY_URL", schemes=("https", "http")),
            znuny_webservice=_get(env, "RINGBACK_ZNUNY_WEBSERVICE"),
            znuny_user=_get(env, "RINGBACK_ZNUNY_USER"),
            znuny_password=_get(env, "RINGBACK_ZNUNY_PASSWORD"),
            znuny_customer_user=_get(env, "RINGBACK_ZNUNY_CUSTOMER_USER"),
            cti_webhook_url=_url(env, "RINGBACK_CTI_WEBHOOK_URL", schemes=("https", "http")),
            cti_webhook_secret=_token(env, "RINGBACK_CTI_WEBHOOK_SECRET"),
            work_order_webhook_url=_url(env, "RINGBACK_WORK_ORDER_WEBHOOK_URL",
                                        schemes=("https", "http")),
            work_order_webhook_secret=_token(env, "RINGBACK_WORK_ORDER_WEBHOOK_SECRET"),
        )


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _int(
    env: Mapping[str, str], name: str, *, default: int, minimum: int, maximum: int | None = None
) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    bounds = f"from {minimum} to {maximum}" if maximum else f"of at least {minimum}"
    rule = f"must be a whole number {bounds}, not {raw!r}"
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, rule) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise SettingsError(name, rule)
    return value


def _url(env: Mapping[str, str], name: str, *, schemes: tuple[str, ...]) -> str | None:
    raw = _get(env, name)
    if raw is None:
        return None
    parsed = urlparse(raw)
    allowed = ", ".join(f"{s}://" for s in schemes)
    if parsed.scheme not in schemes:
        raise SettingsError(name, f"must be a URL starting with {allowed}, not {raw!r}")
    if parsed.scheme == "unix":
        if not parsed.path:
            raise SettingsError(name, f"must name a socket path (unix:///path), not {raw!r}")
    elif not parsed.hostname:
        raise SettingsError(name, f"must name a host ({schemes[0]}://host...), not {raw!r}")
    try:
        parsed.port  # noqa: B018 - raises on a non-numeric port
    except ValueError:
        raise SettingsError(name, f"must have a numeric port, not {raw!r}") from None
    return raw


def _redis_url(env: Mapping[str, str]) -> str | None:
    """One server's URL, or redis+sentinel:// naming the Sentinels and the master's service."""
    raw = _get(env, "REDIS_URL")
    if raw is None or urlparse(raw).scheme != "redis+sentinel":
        return _url(env, "REDIS_URL", schemes=("redis", "rediss", "unix", "redis+sentinel"))
    from ringback.redis_connection import SENTINEL_URL_FORM, SentinelUrlError, parse_sentinel_url

    try:
        parse_sentinel_url(raw)
    except SentinelUrlError as exc:
        raise SettingsError("REDIS_URL", f"{exc} (the form is {SENTINEL_URL_FORM})") from None
    return raw


_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{2}))?$")


def _language(env: Mapping[str, str], name: str) -> str | None:
    """A language tag like "de" or "fr-CH", normalised to "de" / "fr-CH"."""
    raw = _get(env, name)
    if raw is None:
        return None
    match = _LANGUAGE.fullmatch(raw)
    if not match:
        raise SettingsError(name, f'must be a language code such as "en", "de" or "fr-CH", '
                                  f"not {raw!r}")
    lang, region = match.groups()
    return f"{lang.lower()}-{region.upper()}" if region else lang.lower()


_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def _host_names(env: Mapping[str, str], name: str) -> frozenset[str]:
    """Host names separated by commas (spaces allowed), lower-cased; none when unset."""
    raw = _get(env, name)
    if raw is None:
        return frozenset()
    hosts = [h.strip().lower() for h in raw.split(",") if h.strip()]
    for host in hosts:
        if not _HOST_NAME.fullmatch(host):
            raise SettingsError(name, f"must be host names separated by commas, such as "
                                      f"pbx.example.com, sip.example.net; {host!r} is not one")
    return frozenset(hosts)


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], *, default: str) -> str:
    raw = _get(env, name)
    if raw is None:
        return default
    if raw.lower() not in choices:
        raise SettingsError(name, f"must be one of {', '.join(choices)}, not {raw!r}")
    return raw.lower()


def _email(env: Mapping[str, str], name: str) -> str | None:
    raw = _get(env, name)
    if raw is not None and ("@" not in raw or raw.startswith("@") or raw.endswith("@")):
        raise SettingsError(name, f"must be an e-mail address, not {raw!r}")
    return raw


def _database_url(env: Mapping[str, str]) -> str | None:
    raw = _get(env, "DATABASE_URL")
    if raw is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
    except ArgumentError:
        raise SettingsError(
            "DATABASE_URL", f"must be an SQLAlchemy URL such as postgresql://..., not {raw!r}"
        ) from None
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise SettingsError("DATABASE_URL", "must be a postgresql:// or sqlite:// URL")
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _account_sid(env: Mapping[str, str]) -> str | None:
    raw = _get(env, "TWILIO_ACCOUNT_SID")
    if raw is not None and not (raw.startswith("AC") and len(raw) == 34):
        raise SettingsError("TWILIO_ACCOUNT_SID", "must be AC followed by 32 hex digits")
    return raw


def _sid(env: Mapping[str, str], name: str, prefix: str) -> str | None:
    raw = _get(env, name)
    if raw is not None and not re.fullmatch(prefix + r"[0-9a-fA-F]{32}", raw):
        raise SettingsError(name, f"must be {prefix} followed by 32 hex digits")
    return raw


def _api_key(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET, which sign the softphone's access
    tokens: both or neither."""
    key = _sid(env, "TWILIO_API_KEY_SID", "SK")
    secret = _get(env, "TWILIO_API_KEY_SECRET")
    if key and not secret:
        raise SettingsError("TWILIO_API_KEY_SECRET", "must be set with TWILIO_API_KEY_SID")
    if secret and not key:
        raise SettingsError("TWILIO_API_KEY_SID", "must be set with TWILIO_API_KEY_SECRET")
    if secret is not None and len(secret) < 32:  # Twilio's are 32; HS256 wants 32 bytes
        raise SettingsError("TWILIO_API_KEY_SECRET", "must be at least 32 characters long")
    return key, secret


def _api_token(env: Mapping[str, str]) -> str | None:
    return _token(env, "RINGBACK_API_TOKEN")


def _token(env: Mapping[str, str], name: str) -> str | None:
    raw = _get(env, name)
    if raw is not None and len(raw) < 16:
        raise SettingsError(name, "must be at least 16 characters long")
    return raw


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """SECRET_KEY, or one generated once and kept in the data folder.

    Every process of one installation must sign sessions with the same key, so
    a generated key is written to a file that the others read.
    """
    raw = _get(env, "SECRET_KEY")
    if raw is not None:
        if len(raw) < 16:
            raise SettingsError("SECRET_KEY", "must be at least 16 characters long")
        return raw
    from ringback.data_dir import create_private_file, ensure_private

    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    ensure_private(data_dir)
    key = secrets.token_urlsafe(32)
    if create_private_file(path, key.encode()):  # first writer wins when processes race
        return key
    return path.read_text().strip()
