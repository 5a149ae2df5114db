"""What the board, numbers and reports browser tests share: an owner whose phone
can ring, a configured business number, a terminal phone on the live server,
a burst worker, and logging in through the page.

Import ``desk_fixture`` into a test module to use the ``desk`` fixture.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
from werkzeug.serving import make_server

from ringback.agents import AgentDirectory
from ringback.numbers import NumberDirectory
from ringback.store.models import Agent
from ringback.terminal_phone import TerminalPhone
from ringback.worker import make_worker
from tests.browser.conftest import LiveServer, _Deferred

OWNER_EMAIL = "olivia@example.com"
OWNER_PASSWORD = "owner-password-1"
AGENT_PASSWORD = "agent-password-1"
OWNER_PHONE = "+493012345678"  # where the owner's calls ring
BUSINESS = "+4930123456"
QUEUE = "support"
WAIT = 15_000  # ms: generous, for a loaded two-core machine


@dataclass
class Desk:
    """The live server's side: its services, the owner, and helpers to act on them."""

    live: object
    owner: Agent

    @property
    def services(self):
        return self.live.services

    def configure(self, e164: str = BUSINESS, **body) -> None:
        body.setdefault("queue_id", QUEUE)
        s = self.services
        NumberDirectory(s.db, s.redis, default_language=s.settings.default_language).put(
            e164, body)

    def phone(self) -> TerminalPhone:
        return TerminalPhone(self.live.url, auth_token=self.services.settings.webhook_auth_token,
                             public_url=self.live.url)

    def work(self) -> None:
        """Run every queued rq job now, in this process (a burst SimpleWorker)."""
        make_worker(self.services, simple=True).work(burst=True)

    def agent(self, email: str, permissions: list[str]) -> Agent:
        directory = AgentDirectory(self.services.db)
        agent = directory.create({"email": email, "name": email.split("@")[0].title(),
                                  "permissions": permissions})
        directory.set_password(agent.id, AGENT_PASSWORD)
        return agent


@pytest.fixture(name="desk")
def desk_fixture(live_server) -> Desk:
    s = live_server.services
    owner = AgentDirectory(s.db).create_owner(OWNER_EMAIL, "Olivia Owner", OWNER_PASSWORD)
    with s.db.session() as session:
        row = session.get(Agent, owner.id)
        row.endpoint = OWNER_PHONE
    return Desk(live_server, owner)


@contextmanager
def second_agent(browser, desk: Desk, email: str, permissions: list[str], phone: str, *,
                 width: int = 1280, height: int = 800) -> Iterator[Any]:
    """Another agent with a phone, logged in in a browser context of their own and
    looking at the live board; the context closes when the block ends."""

    agent = desk.agent(email, permissions)
    with desk.services.db.session() as session:
        session.get(Agent, agent.id).endpoint = phone
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        log_in(page, desk.live, email, AGENT_PASSWORD)
        open_live_board(page)
        yield page
    finally:
        context.close()


def open_live_board(page) -> None:
    """From any console page to the live board, once its event stream is live."""
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Live queue").click()
    expect(page.locator("[data-live-status]")).to_have_text("Live", timeout=WAIT)


def take_offer(page, desk: Desk, caller: str, keys: str | None = None) -> Any:
    """``caller`` dials the business (pressing ``keys`` at the menu), the agent on the
    board goes Available, and the offer shows: its card (the ``[data-offer]`` locator)."""
    from playwright.sync_api import expect

    call = desk.phone().dial(BUSINESS, caller)
    if keys is not None:
        call.press(keys)
    assert not call.ended
    page.get_by_role("form", name="Your presence").get_by_role(
        "button", name="Available").click()
    offer = page.locator("[data-offer]")
    expect(offer).to_contain_text("Offered to you", timeout=WAIT)
    return offer


def log_in(page, live_server, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD) -> None:
    page.goto(live_server.at("/console/login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.locator("h1", has_text="Hello,").wait_for()


@contextmanager
def configured_server(services, **config) -> Iterator[LiveServer]:
    """Like ``live_server``, with these Flask config values (the board's stream settings)."""
    from ringback.app import create_app

    deferred = _Deferred()
    server = make_server("127.0.0.1", 0, deferred, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    live_services = replace(services, settings=services.settings.with_changes(
        public_base_url=url))
    deferred.app = create_app(live_services.settings, live_services)
    deferred.app.config.update(config)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield LiveServer(url, live_services)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(name="short_stream_server")
def short_stream_server_fixture(services) -> Iterator[LiveServer]:
    """The board's event streams end after a second, so a test sees the browser reconnect."""
    with configured_server(services, CONSOLE_SSE_MAX_SECONDS=1.0,
                           CONSOLE_SSE_BLOCK_SECONDS=0.5) as live:
        yield live


@pytest.fixture(name="polling_server")
def polling_server_fixture(services) -> Iterator[LiveServer]:
    """The process holds no event stream open: every board is told to poll."""
    with configured_server(services, CONSOLE_SSE_SLOTS=0, CONSOLE_SSE_POLL_SECONDS=0.5) as live:
        yield live
