"""The routing package's collaborators as one object: ``Services.routing``.

It is assembled once per process by ``ringback.services_routing``."""

from __future__ import annotations

from dataclasses import dataclass

from ringback.routing.live import LiveCalls
from ringback.routing.offers import OfferService
from ringback.routing.presence import PresenceService
from ringback.routing.router import Router
from ringback.routing.softphone import SoftphoneTokens
from ringback.routing.urls import AgentUrls


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
