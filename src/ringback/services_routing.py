"""Routing's part of the wiring: ``Services.routing`` is assembled here, once per
process, from the services' queue, deadlines, callbacks, agents and telephony."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.helpdesk.events import ANSWER, HANGUP, NORMAL_CLEARING
from ringback.routing.enqueue import RoutingJobs
from ringback.routing.live import LiveCalls
from ringback.routing.offers import OfferService
from ringback.routing.presence import PresenceService
from ringback.routing.router import Router
from ringback.routing.softphone import SoftphoneTokens
from ringback.routing.urls import AgentUrls
from ringback.routing.wiring import Routing

if TYPE_CHECKING:
    from ringback.queue.models import Entry
    from ringback.services import Services


def assemble_routing(s: Services) -> Routing:
    """Router, presence, offers, live calls and softphone tokens sharing one router."""
    jobs = RoutingJobs(s.redis)
    agents = s.agents
    urls = AgentUrls(s.settings.public_base_url)
    router = Router(s.queue, s.deadlines, jobs, s.clock)
    offers = OfferService(queue=s.queue, callbacks=s.callbacks, router=router,
                          deadlines=s.deadlines, jobs=jobs, agents=agents, clock=s.clock)
    return Routing(
        router=router,
        presence=PresenceService(queue=s.queue, router=router, offers=offers, agents=agents),
        offers=offers,
        live=LiveCalls(queue=s.queue, router=router, deadlines=s.deadlines,
                       telephony=s.telephony, agents=agents, urls=urls,
                       clock=s.clock, on_answered=lambda e: _answered(s, e),
                       on_finished=lambda e: s.call_events.emit(
                           HANGUP, e, cause=NORMAL_CLEARING)),
        softphone=SoftphoneTokens(s.settings, s.clock),
        urls=urls,
    )


def _answered(s: Services, entry: Entry) -> None:
    """A caller taken: on the customer user's timeline, and the CTI webhook's answer."""
    s.call_timeline.record_live(entry)
    s.call_events.emit(ANSWER, entry, agent_id=entry.accepted_by)
