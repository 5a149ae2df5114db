"""Helpers for the console tests: people with passwords, and a browser-like client
that reads the CSRF token from each form as a browser would submit it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from ringback.agents import AgentDirectory
from ringback.console.sessions import SessionStore
from ringback.store.models import Agent

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "owner-password-1"
AGENT_PASSWORD = "agent-password-1"

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def form_post(client, page: str, action: str | None = None, **fields):
    """Open ``page``, then submit its form (to ``action``) with the page's CSRF token."""
    html = client.get(page).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), **fields}
    return client.post(action or page, data=data)


def log_in(client, email: str, password: str):
    return form_post(client, "/console/login", email=email, password=password)


def signed_in(app, services, agent):
    """A browser with a session of ``agent`` (no password hashing: keeps the tests fast;
    the log-in itself is tested in test_login.py)."""
    client = app.test_client()
    client.set_cookie("ringback_session", SessionStore(services.db, services.clock)
                      .start(agent.id))
    return client


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("ringback_session")
    return cookie.value if cookie else None


@dataclass
class People:
    directory: AgentDirectory

    def agent(self, email: str, *, role: str = "custom", permissions=(),
              password: str | None = AGENT_PASSWORD) -> Agent:
        agent = self.directory.create(
            {"email": email, "name": email.split("@")[0].title(), "role": role,
             "permissions": list(permissions)}
        )
        if password:
            self.directory.set_password(agent.id, password)
        return agent


@pytest.fixture
def owner(services) -> Agent:
    return AgentDirectory(services.db).create_owner(OWNER_EMAIL, "Olivia Owner", OWNER_PASSWORD)


@pytest.fixture
def people(services) -> People:
    return People(AgentDirectory(services.db))


@pytest.fixture
def owner_client(app, owner):
    client = app.test_client()
    response = log_in(client, OWNER_EMAIL, OWNER_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def session_store(services) -> SessionStore:
    return SessionStore(services.db, services.clock)
