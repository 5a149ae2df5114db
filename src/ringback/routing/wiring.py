"""The routing package's collaborators, built once per process from its Services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ringback.routing.enqueue import RoutingJobs
from ringback.routing.live import LiveCalls
from ringback.routing.offers import OfferService
from ringback.routing.presence import PresenceService
from ringback.routing.router import Router
from ringback.routing.softphone import SoftphoneTokens
from ringback.routing.urls import AgentUrls

if TYPE_CHECKING:
    from ringback.services import Services


@dataclass(frozen=True)
class Routing:
    """``router`` reacts to events; ``presence`` and ``offers`` are the agent's side
    (API and console); ``live`` connects live callers; ``softphone`` mints tokens."""

    router: Router
    presence: PresenceService
    offers: OfferService
    live: LiveCalls
    softphone: SoftphoneTokens
    urls: AgentUrls

    @classmethod
    def from_services(cls, s: Services) -> Routing:
        jobs = RoutingJobs(s.redis)
        agents = s.agents
        urls = AgentUrls(s.settings.public_base_url)
        router = Router(s.queue, s.deadlines, jobs, s.clock)
        offers = OfferService(queue=s.queue, callbacks=s.callbacks, router=router,
                              deadlines=s.deadlines, jobs=jobs, agents=agents, clock=s.clock)
        return cls(
            router=router,
            presence=PresenceService(queue=s.queue, router=router, offers=offers, agents=agents),
            offers=offers,
            live=LiveCalls(queue=s.queue, router=router, deadlines=s.deadlines,
                           telephony=s.telephony, agents=agents, urls=urls, redis=s.redis,
                           clock=s.clock),
            softphone=SoftphoneTokens(s.settings, s.clock),
            urls=urls,
        )
