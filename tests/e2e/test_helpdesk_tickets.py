"""Tickets reach the chosen helpdesk through whole calls: a voicemail and an expired
callback, filed by rq jobs, land in a Zendesk stand-in on 127.0.0.1 by the outbox's
delivery jobs, and a Zendesk that is down keeps them until it is back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ringback.ivr.urls import Route, UrlBuilder
from ringback.scheduler.deadlines import Deadlines
from ringback.scheduler.sweeper import DEFAULT_HANDLERS, Sweeper
from ringback.terminal_phone import Transport
from ringback.worker import make_worker
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE
from tests.helpdesk.standin import HelpdeskStandIn

NOBODY = json.dumps({"users": []})


@pytest.fixture
def zendesk() -> Iterator[HelpdeskStandIn]:
    server = HelpdeskStandIn()
    yield server
    server.close()


@pytest.fixture
def settings(settings, zendesk):
    return settings.with_changes(zendesk_url=zendesk.url, zendesk_email="bot@acme.example",
                                 zendesk_token="zd-api-token")


def _work(services) -> None:
    make_worker(services, simple=True).work(burst=True)


def _created(zendesk: HelpdeskStandIn) -> list[dict]:
    return [json.loads(s.body)["ticket"] for s in zendesk.seen
            if (s.method, s.path) == ("POST", "/api/v2/tickets.json")]


def test_a_voicemail_ticket_reaches_zendesk(configure, phone, server, settings, services,
                                            clock, zendesk):
    services.helpdesk_outbox.choose("zendesk")
    configure(max_wait_seconds=60, overflow={"kind": "voicemail"})
    call = phone.dial(BUSINESS, CALLER)
    clock.advance(60)
    call.press(None)
    transport = Transport(server.url, settings.public_base_url, settings.webhook_auth_token)
    recording = {"CallSid": call.call_sid, "From": CALLER, "To": BUSINESS,
                 "RecordingUrl": "https://api.twilio.com/rec/RE123", "RecordingDuration": "17"}
    status, _ = transport.post(UrlBuilder(settings.public_base_url)(
        Route.VOICEMAIL, {"queue": QUEUE}), recording)
    assert status == 200

    zendesk.answer(200, NOBODY)
    zendesk.answer(201, json.dumps({"ticket": {"id": 501}}))
    _work(services)  # the voicemail job files the ticket, the delivery job sends it

    (ticket,) = _created(zendesk)
    assert ticket["subject"] == "Voicemail" and ticket["requester"] == {"name": CALLER}
    assert "https://api.twilio.com/rec/RE123" in ticket["comment"]["body"]
    assert services.helpdesk_outbox.unsent() == []


def test_an_expired_callback_waits_out_a_zendesk_outage_and_arrives(
    configure, phone, services, clock, zendesk
):
    services.helpdesk_outbox.choose("zendesk")
    configure()
    call = phone.dial(BUSINESS, CALLER)
    call.press("1")  # call me back
    _work(services)
    clock.advance(services.settings.callback_expiry_seconds)
    sweeper = Sweeper(services.redis, services.clock, Deadlines(services.redis, services.clock),
                      DEFAULT_HANDLERS)
    assert sweeper.sweep() == 1  # the expiry: a "Callback" ticket is filed

    zendesk.answer(200, NOBODY)
    zendesk.answer(503, '{"error": "Service Unavailable"}')
    _work(services)
    (row,) = services.helpdesk_outbox.unsent()
    assert (row.kind, row.attempts) == ("ticket", 1) and "HTTP 503" in (row.last_error or "")

    clock.advance(30)  # the backoff: the scheduler's sweep asks again
    assert services.helpdesk_outbox.sweep() == 1
    zendesk.answer(200, NOBODY)
    zendesk.answer(201, json.dumps({"ticket": {"id": 502}}))
    _work(services)

    first, second = _created(zendesk)
    assert first == second and first["subject"] == "Callback"
    assert first["requester"] == {"name": CALLER}
    assert services.helpdesk_outbox.unsent() == []
    assert services.helpdesk_outbox.get(row.id).remote_id == "502"
