"""Routing against the real app (test client), a real Redis, SQL and rq worker.

``desk`` is the floor of ``tests.e2e.live_desk``: agents, presence and offers
through the API, jobs run by a burst worker, deadlines by the sweeper.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ringback.calls.index import CallIndex
from ringback.queue.models import Entry, NewEntry, QueueSettings
from ringback.services import Services
from ringback.telephony import TwilioTelephony
from tests.callbacks.conftest import build_app
from tests.e2e.live_desk import LiveDesk

QUEUE = "support"
BUSINESS = "+4930123456"
CALLER = "+4915112345678"
OFFER_SECONDS = 20
WRAP_UP_SECONDS = 30


def make_desk(settings, services: Services) -> LiveDesk:
    app = build_app(settings, services)
    app.config["TESTING"] = True
    services.queue.configure(QUEUE, QueueSettings(offer_timeout_seconds=OFFER_SECONDS,
                                                  wrap_up_seconds=WRAP_UP_SECONDS))
    return LiveDesk(services, app.test_client(), settings)


@pytest.fixture
def desk(settings, services) -> LiveDesk:
    return make_desk(settings, services)


@pytest.fixture
def twilio_desk(settings, services, twilio_standin) -> Iterator[LiveDesk]:
    """A desk whose telephony is the real Twilio adapter, talking to the stand-in."""
    telephony = TwilioTelephony(
        twilio_standin.account_sid, twilio_standin.auth_token, twilio_standin.base_url,
        clock=services.clock, sleep=services.clock.advance, request_timeout=5.0)
    wired = Services(settings=settings, redis=services.redis, db=services.db,
                     clock=services.clock, telephony=telephony)
    try:
        yield make_desk(settings, wired)
    finally:
        telephony.close()


def caller(desk: LiveDesk, number: str = CALLER, sid: str | None = None) -> Entry:
    """A live caller joins the queue (as the join webhook does: routing follows)."""
    entry = desk.services.queue.join(QUEUE, NewEntry(
        call_sid=sid or "CA" + uuid.uuid4().hex, caller=number, dialled=BUSINESS))
    CallIndex(desk.services.redis).joined(entry.call_sid, QUEUE, entry.entry_id)
    desk.services.routing.router.route(QUEUE)
    return entry


def ana_then_bo(desk: LiveDesk, clock: Any) -> tuple[int, str, int, str]:
    """Two available agents of QUEUE, Ana idle longest (offered first), then Bo:
    their ids and tokens."""
    ana, ana_token = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])
    clock.advance(1)
    bo, bo_token = desk.agent("Bo", endpoint="+493012345679")
    desk.presence(bo, "available", [QUEUE])
    return ana, ana_token, bo, bo_token


def callback(desk: LiveDesk, number: str = CALLER) -> Entry:
    """A caller who asked to be called back."""
    entry = desk.services.queue.join(QUEUE, NewEntry(
        call_sid="CA" + uuid.uuid4().hex, caller=number, dialled=BUSINESS, language="de"))
    converted = desk.services.callbacks.request(QUEUE, entry.entry_id, number)
    desk.services.routing.router.route(QUEUE)
    return converted
