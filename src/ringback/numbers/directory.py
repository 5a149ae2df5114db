"""The business numbers ringback answers, and how each is configured.

Every webhook of a call reads its number's configuration, so reads are
served from a small in-process cache. A counter in Redis invalidates it:
every change bumps the counter after the SQL commit, and a reader compares
the counter (one GET) before trusting what it cached. A reader that raced a
change cached its answer under the old counter value, so the next read
fetches again; no process ever keeps a stale configuration for longer than
one request.

The account's default language rides on the same counter: the environment
gives it (``RINGBACK_DEFAULT_LANGUAGE``), an admin may override it in the
console (SQL ``account_settings`` row ``default_language``), and a reader
re-reads the override whenever it sees a new counter value, so every process
(web, worker) follows a change at its next ``find`` without a round trip of
its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ringback.clock import Clock, SystemClock
from ringback.errors import NotFound, ValidationError
from ringback.ivr.config import NumberConfig
from ringback.ivr.prompts import available_languages
from ringback.redis_keys import NumberKeys
from ringback.store.console import AccountSetting, from_epoch
from ringback.store.db import Database
from ringback.store.numbers import NumberRecord

# Anything that cannot be an E.164 number is unknown without asking SQL.
E164_SHAPE = re.compile(r"^\+[1-9][0-9]{1,14}$")
MAX_CACHED = 10_000
UNREAD: Any = object()
# The account_settings row that overrides the environment's default language.
DEFAULT_LANGUAGE_KEY = "default_language"


def check_default_language(value: Any) -> str | None:
    """A console value for the account's default language: a shipped language,
    or None ("" too) for the environment's value; else ``ValidationError``."""
    if value is None or value == "":
        return None
    shipped = sorted(available_languages())
    if not isinstance(value, str) or value not in shipped:
        raise ValidationError({DEFAULT_LANGUAGE_KEY: "must be one of " + ", ".join(shipped)
                               + ", or empty for the environment's value"})
    return value


@dataclass(frozen=True)
class Lines:
    """What the configured numbers add up to, for the toll-fraud guard: ``numbers``
    every business number; ``countries`` every country one of them calls back
    (``callback.allowed_countries``) or is in, empty while none is configured."""

    numbers: frozenset[str]
    countries: frozenset[str]


class NumberDirectory:
    """Reads and writes ``NumberConfig`` documents; knows the account's default language.

    ``find`` is the webhook's read (cached); ``put`` / ``delete`` are the API's;
    ``set_default_language`` is the console's.  Owns ``NumberKeys`` (``redis_keys``):
    the cache version every change bumps.
    """

    def __init__(self, db: Database, redis: Any, *, default_language: str = "en",
                 clock: Clock | None = None) -> None:
        self._db = db
        self._redis = redis
        self._keys = NumberKeys()
        self._clock = clock or SystemClock()
        self._env_default = default_language
        self._default_language = default_language
        self._default_version: Any = UNREAD
        # e164 -> (version it was read at, config or None for an unknown number)
        self._cache: dict[str, tuple[bytes | None, NumberConfig | None]] = {}
        self._lines_cache: tuple[bytes | None, Lines] | None = None

    @property
    def default_language(self) -> str:
        """The account default as this process last saw it, without any I/O.

        Fresh after ``find`` or ``current_default_language`` in the same
        request; the language of numbers that do not name one.
        """
        return self._default_language

    @property
    def environment_default_language(self) -> str:
        """What the environment says (``RINGBACK_DEFAULT_LANGUAGE``), used without an override."""
        return self._env_default

    def current_default_language(self) -> str:
        """The account default, checked against the cache version (one GET).

        For callers that do not ``find`` a number first: the API, the console,
        the agents' whispers.
        """
        self._refresh_default(self._redis.get(self._keys.version))
        return self._default_language

    def stored_default_language(self) -> str | None:
        """The console's override as stored (SQL), or None: the environment decides."""
        with self._db.session() as session:
            row = session.get(AccountSetting, DEFAULT_LANGUAGE_KEY)
            value = row.value if row is not None else None
        return value if isinstance(value, str) and value else None

    def set_default_language(self, language: str | None) -> bool:
        """Override the environment's default language (None: back to it); whether it changed.

        Raises ``ValidationError`` naming ``default_language`` unless it is a
        shipped language or None/""; nothing is stored then. Every process
        sees the change at its next read of the cache version.
        """
        language = check_default_language(language)
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            row = session.get(AccountSetting, DEFAULT_LANGUAGE_KEY)
            before = row.value if row is not None else None
            if (before or None) == language:
                return False
            if language is None:
                session.delete(row)
            elif row is None:
                session.add(AccountSetting(key=DEFAULT_LANGUAGE_KEY, value=language,
                                           updated_at=now))
            else:
                row.value = language
                row.updated_at = now
        self._changed()
        return True

    def find(self, e164: str, *, version: Any = UNREAD) -> NumberConfig | None:
        """The configuration of ``e164``, or None when ringback does not answer it.

        ``version`` is the cache version when the caller already read it with
        ``read_version`` in a pipeline of its own (one round trip for both).
        Afterwards ``default_language`` is fresh too.
        """
        if version is UNREAD:
            version = self._redis.get(self._keys.version)
        self._refresh_default(version)
        if not isinstance(e164, str) or not E164_SHAPE.fullmatch(e164):
            return None
        hit = self._cache.get(e164)
        if hit is not None and hit[0] == version:
            return hit[1]
        config = self._load(e164)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[e164] = (version, config)
        return config

    def own_numbers(self) -> frozenset[str]:
        """Every number ringback answers, for the toll-fraud guard: none of them is
        ever a callback destination or an agent's phone (the call would loop back
        into our own IVR).  Cached like ``find``, checked against the version."""
        return self.lines().numbers

    def lines(self) -> Lines:
        """The numbers and the countries they call back, as configured now (cached)."""
        version = self._redis.get(self._keys.version)
        if self._lines_cache is not None and self._lines_cache[0] == version:
            return self._lines_cache[1]
        with self._db.session() as session:
            rows = session.execute(select(NumberRecord.e164, NumberRecord.config)).all()
        countries: set[str] = set()
        for e164, document in rows:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
            if region:
                countries.add(region)
            try:
                countries.update(NumberConfig.from_json(e164, document).callback.allowed_countries)
            except ValidationError:  # stored before the rules tightened: its own country only
                continue
        lines = Lines(frozenset(e164 for e164, _ in rows), frozenset(countries))
        self._lines_cache = (version, lines)
        return lines

    def read_version(self, pipeline: Any) -> None:
        """Queue the read of the cache version on ``pipeline``; pass its result to ``find``."""
        pipeline.get(self._keys.version)

    def cached(self, e164: str) -> NumberConfig | None:
        """What this process last read for ``e164``, without any I/O (possibly stale).

        For error paths: when Redis or SQL fail, the apology can still be
        spoken in the number's language.
        """
        hit = self._cache.get(e164) if isinstance(e164, str) else None
        return hit[1] if hit else None

    def get(self, e164: str) -> NumberConfig:
        config = self._load(e164) if isinstance(e164, str) else None
        if config is None:
            raise NotFound("number", e164)
        return config

    def all(self) -> list[NumberConfig]:
        with self._db.session() as session:
            rows = session.scalars(select(NumberRecord).order_by(NumberRecord.e164)).all()
            documents = [(row.e164, row.config) for row in rows]
        return [NumberConfig.from_json(e164, doc) for e164, doc in documents]

    def put(self, e164: str, payload: Any) -> tuple[NumberConfig, bool]:
        """Create or replace the configuration; returns it and whether it is new.

        Raises ``ValidationError`` naming every problem; nothing is stored then.
        """
        config = NumberConfig.from_json(e164, payload)
        document = config.to_json()
        try:
            created = self._upsert(config.e164, document)
        except IntegrityError:
            # Another request created the number between our read and insert.
            created = self._upsert(config.e164, document)
        self._changed()
        return config, created

    def delete(self, e164: str) -> None:
        with self._db.session() as session:
            row = session.get(NumberRecord, e164) if isinstance(e164, str) else None
            if row is None:
                raise NotFound("number", e164)
            session.delete(row)
        self._changed()

    def _upsert(self, e164: str, document: dict[str, Any]) -> bool:
        with self._db.session() as session:
            row = session.get(NumberRecord, e164)
            if row is None:
                session.add(NumberRecord(e164=e164, config=document))
                return True
            row.config = document
            return False

    def _load(self, e164: str) -> NumberConfig | None:
        with self._db.session() as session:
            row = session.get(NumberRecord, e164)
            document = row.config if row is not None else None
        if document is None:
            return None
        # A stored document always passed these rules; if they were tightened
        # since, this raises and the caller hears the apology, which is logged.
        return NumberConfig.from_json(e164, document)

    def _refresh_default(self, version: Any) -> None:
        """Re-read the console's override when the cache version moved since the last read.

        A reader that raced a change stored its answer under the old version,
        so the next read fetches again (as for number configurations).
        """
        if self._default_version is not UNREAD and version == self._default_version:
            return
        stored = self.stored_default_language()
        # A language whose prompts are no longer shipped gives way to the environment.
        self._default_language = stored if stored in available_languages() \
            else self._env_default
        self._default_version = version

    def _changed(self) -> None:
        self._redis.incr(self._keys.version)
