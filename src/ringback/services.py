"""The one wiring point: every long-lived collaborator of a ringback process.

A web process, a worker and a scheduler each build one ``Services`` from the
settings and hand its parts to the domain services through their
constructors.  Nothing below the web layer reaches for globals.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from ringback.clock import Clock, SystemClock
from ringback.redis_connection import connect, redis_url_for
from ringback.settings import Settings
from ringback.store.db import Database
from ringback.telephony import Telephony, build_telephony


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    db: Database
    clock: Clock
    telephony: Telephony

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        client = connect(redis_url_for(settings))
        return cls(
            settings=settings,
            redis=client,
            db=Database.from_url(settings.effective_database_url),
            clock=clock,
            telephony=build_telephony(settings, client, clock),
        )

    def close(self) -> None:
        self.telephony.close()
        self.redis.close()
        self.db.dispose()
