"""Callbacks in a real queue, agents in SQL, jobs run by a real rq worker in burst mode.

``Desk`` bundles what the lifecycle tests do again and again: a caller who
asks for a callback, an agent who is logged in, a worker run, signed
webhooks of the outbound call.  The outbound webhooks are added to the
webhooks blueprint here with ``ringback.webhooks.outbound.register`` (the
same blueprint, signature check and fallback the app serves).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from ringback.agents import AgentDirectory
from ringback.callbacks.enqueue import CallbackJobs
from ringback.callbacks.parts import CallbackParts
from ringback.callbacks.records import CallbackRecord, CallbackRecords, attempt_key
from ringback.callbacks.service import CallbackService, entry_ref
from ringback.queue.models import AgentState, Entry, NewEntry
from ringback.scheduler.deadlines import Deadlines
from ringback.scheduler.sweeper import DEFAULT_HANDLERS, Sweeper
from ringback.services import Services
from ringback.store.models import Agent
from ringback.telephony import TwilioTelephony
from ringback.tickets import BuiltinTicketSink, TicketRecord
from ringback.worker import RingbackSimpleWorker, queues
from tests.conftest import OWNER_TOKEN

BUSINESS = "+4930123456"  # the number the customer dialled (German)
CALLER = "+4915112345678"  # a German mobile
AGENT_PHONE = "+493012345678"
QUEUE = "sales"


@dataclass
class Desk:
    services: Services
    client: Any  # Flask test client of the app (API) with the outbound webhooks
    settings: Any

    @property
    def callbacks(self) -> CallbackService:
        s = self.services
        return CallbackService(s.queue, s.deadlines,
                               expiry_seconds=s.settings.callback_expiry_seconds,
                               jobs=CallbackJobs(s.redis))

    @property
    def records(self) -> CallbackRecords:
        return CallbackRecords(self.services.db, self.services.clock)

    @property
    def tickets(self) -> BuiltinTicketSink:
        return BuiltinTicketSink(self.services.db, self.services.clock)

    @property
    def parts(self) -> CallbackParts:
        return self.services.callback_parts

    def ask(self, caller: str = CALLER, *, number: str | None = None, queue: str = QUEUE,
            dialled: str = BUSINESS, sid: str | None = None, language: str = "de") -> Entry:
        """A caller waits, then asks to be called back (on ``number``, else the caller's)."""
        sid = sid or "CA" + uuid.uuid4().hex
        entry = self.services.queue.join(queue, NewEntry(call_sid=sid, caller=caller,
                                                         language=language, dialled=dialled))
        return self.callbacks.request(queue, entry.entry_id, number or caller)

    def agent(self, name: str = "Ana", *, endpoint: str | None = AGENT_PHONE,
              queues: tuple[str, ...] = (QUEUE,), available: bool = True) -> tuple[int, str]:
        """An agent with the callbacks permission and a token; logged in to ``queues``."""
        agents = AgentDirectory(self.services.db)
        created = agents.create({"email": f"{name.lower()}@example.com", "name": name,
                                 "role": "custom", "permissions": ["callbacks"]})
        if endpoint is not None:
            with self.services.db.session() as session:
                row = session.get(Agent, created.id)
                assert row is not None
                row.endpoint = endpoint
        token = agents.issue_token(created.id)
        if available:
            self.services.queue.set_agent_state(str(created.id), AgentState.AVAILABLE,
                                                list(queues))
        return created.id, token

    def call(self, ref: str, token: str, **body: Any) -> Any:
        return self.client.post(f"/api/v1/callbacks/{ref}/call", json=body or None,
                                headers={"Authorization": f"Bearer {token}"})

    def decline(self, ref: str, token: str, **body: Any) -> Any:
        return self.client.post(f"/api/v1/callbacks/{ref}/decline", json=body or None,
                                headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, token: str = OWNER_TOKEN) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {token}"})

    def work(self) -> None:
        """Run every queued job with a real rq worker, in this process."""
        worker = _BurstWorker(queues(self.services), connection=self.services.redis)
        worker.services = self.services
        worker.work(burst=True)

    def sweep(self) -> int:
        s = self.services
        return Sweeper(s.redis, s.clock, Deadlines(s.redis, s.clock), DEFAULT_HANDLERS).sweep()

    def record(self, ref: str) -> CallbackRecord:
        found = self.records.get(ref)
        assert found is not None, f"no record of {ref}"
        return found

    def attempt_key(self, ref: str) -> str:
        record = self.record(ref)
        assert record.attempts, f"{ref} has no attempt"
        return record.attempts[-1].key

    def callback_tickets(self) -> list[TicketRecord]:
        return [self.tickets.get(t.id) for t in self.tickets.list(subject="Callback")]

    def webhook(self, url: str, params: dict[str, str]) -> Any:
        """POST to one of our public URLs as Twilio does: signed."""
        signature = RequestValidator(self.settings.webhook_auth_token).compute_signature(
            url, params)
        parts = urlsplit(url)
        return self.client.post(parts.path + (f"?{parts.query}" if parts.query else ""),
                                data=params, headers={"X-Twilio-Signature": signature})


class _BurstWorker(RingbackSimpleWorker):
    """ringback's worker without rq's pubsub command channel, which a burst run in a
    test never uses: with redis-py 8.2, stopping that channel's thread can wait up to
    60 s (it may sit in a 60 s wait for a subscription just ended), and these tests
    run the worker dozens of times."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


def build_app(settings: Any, services: Services) -> Flask:
    from ringback.app import create_app

    return create_app(settings, services)


@pytest.fixture
def desk(settings, services) -> Desk:
    app = build_app(settings, services)
    app.config["TESTING"] = True
    return Desk(services, app.test_client(), settings)


@pytest.fixture
def twilio_desk(settings, services, twilio_standin) -> Iterator[Desk]:
    """A desk whose telephony is the real Twilio adapter, talking to the stand-in."""
    telephony = TwilioTelephony(
        twilio_standin.account_sid, twilio_standin.auth_token, twilio_standin.base_url,
        clock=services.clock, sleep=services.clock.advance, request_timeout=5.0,
    )
    wired = Services(settings=settings, redis=services.redis, db=services.db,
                     clock=services.clock, telephony=telephony)
    app = build_app(settings, wired)
    app.config["TESTING"] = True
    try:
        yield Desk(wired, app.test_client(), settings)
    finally:
        telephony.close()


__all__ = ["AGENT_PHONE", "BUSINESS", "CALLER", "QUEUE", "Desk", "attempt_key", "entry_ref"]
