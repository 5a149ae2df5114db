"""The one wiring point: every long-lived collaborator of a ringback process.

A web process, a worker and a scheduler each build one ``Services`` from the
settings and hand its parts to the domain services through their
constructors.  Nothing below the web layer reaches for globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import redis

from ringback.callbacks.enqueue import CallbackJobs
from ringback.callbacks.limits import CallbackLimits, Limits
from ringback.callbacks.service import CallbackService
from ringback.clock import Clock, SystemClock
from ringback.customers import CustomerDirectory
from ringback.numbers import NumberDirectory
from ringback.queue.service import QueueService
from ringback.redis_connection import blocking_twin, connect, redis_url_for
from ringback.scheduler.deadlines import Deadlines
from ringback.settings import Settings
from ringback.store.db import Database
from ringback.telephony import Telephony, build_telephony
from ringback.tickets import BuiltinTicketSink

if TYPE_CHECKING:
    from ringback.agents import AgentDirectory
    from ringback.routing.endpoints import EndpointRules
    from ringback.routing.wiring import Routing


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

    @cached_property
    def blocking_redis(self) -> redis.Redis:
        """A client of the same Redis for long blocking reads (the live board's
        ``XREAD BLOCK``, rq's dequeue), with its own pool: ``redis`` fails any
        command after two seconds, so that webhooks answer while Redis stalls."""
        return blocking_twin(self.redis)

    @cached_property
    def queue(self) -> QueueService:
        return QueueService(self.redis, self.clock)

    @cached_property
    def deadlines(self) -> Deadlines:
        return Deadlines(self.redis, self.clock)

    @cached_property
    def numbers(self) -> NumberDirectory:
        """One directory per process, so its cache of number configurations is shared."""
        return NumberDirectory(self.db, self.redis,
                               default_language=self.settings.default_language,
                               clock=self.clock)

    @cached_property
    def agents(self) -> AgentDirectory:
        """The people, with the endpoint rules below applied to every endpoint set."""
        from ringback.agents import AgentDirectory

        return AgentDirectory(self.db, endpoint_rules=self.endpoint_rules)

    def endpoint_rules(self) -> EndpointRules:
        """The toll-fraud rules for agents' endpoints as the numbers are configured
        now: their callback countries (any while none is configured), never one of
        them, SIP only on ``RINGBACK_SIP_DOMAINS``."""
        from ringback.routing.endpoints import EndpointRules

        lines = self.numbers.lines()
        return EndpointRules.of(lines.countries or None, lines.numbers,
                                self.settings.sip_domains)

    @cached_property
    def tickets(self) -> BuiltinTicketSink:
        """The built-in ticket store; helpdesk adapters implement its ``TicketSink`` side."""
        return BuiltinTicketSink(self.db, self.clock)

    @cached_property
    def customers(self) -> CustomerDirectory:
        """Customers, their people and the caller lookup of the screen pop."""
        return CustomerDirectory(self.db)

    @cached_property
    def callbacks(self) -> CallbackService:
        s = self.settings
        limits = Limits(per_caller=s.callback_limit_per_caller,
                        per_number=s.callback_limit_per_number,
                        per_prefix=s.callback_limit_per_prefix)
        return CallbackService(self.queue, self.deadlines,
                               expiry_seconds=s.callback_expiry_seconds,
                               jobs=CallbackJobs(self.redis),
                               limits=CallbackLimits(self.redis, self.clock, limits))

    @cached_property
    def routing(self) -> Routing:
        """Router, presence, offers and live calls (ringback.routing)."""
        from ringback.routing.wiring import Routing

        return Routing.from_services(self)

    def close(self) -> None:
        self.telephony.close()
        self.redis.close()
        if "blocking_redis" in self.__dict__:
            self.blocking_redis.close()
        self.db.dispose()
