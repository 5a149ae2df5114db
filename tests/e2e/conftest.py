"""The running app and a terminal phone that calls it, as Twilio would.

Numbers are configured through the real API; the phone signs every request
with the installation's webhook token against PUBLIC_BASE_URL, so the app's
signature check is part of every test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ringback.ivr.prompts import PromptKey, load_prompts
from ringback.queue.models import EventType
from ringback.terminal_phone import PhoneCall, TerminalPhone
from tests.live_server import LiveServer

BUSINESS = "+4930123456"  # a German business number
CALLER = "+4915112345678"  # a German mobile
QUEUE = "support"


def text(key: PromptKey, language: str = "en", **values: Any) -> str:
    """What the caller hears for ``key`` in ``language``."""
    return load_prompts(language).text(key, **values)


def heard_after(call: PhoneCall, count: int) -> list[str]:
    """The sentences spoken since the first ``count`` things heard."""
    return [h.text for h in call.heard[count:] if h.kind == "say"]


def event_types(services, queue_id: str = QUEUE) -> list[EventType]:
    return [e.type for e in services.queue.events(queue_id)]


@pytest.fixture
def server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def phone(server, settings) -> TerminalPhone:
    return TerminalPhone(server.url, auth_token=settings.webhook_auth_token,
                         public_url=settings.public_base_url)


@pytest.fixture
def configure(client, owner_headers) -> Callable[..., dict[str, Any]]:
    """Configure a number through the real API; returns the stored document."""

    def put(e164: str = BUSINESS, **body: Any) -> dict[str, Any]:
        body.setdefault("queue_id", QUEUE)
        response = client.put(f"/api/v1/numbers/{e164}", json=body, headers=owner_headers)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    return put
