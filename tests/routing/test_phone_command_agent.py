"""`ringback call` plays the agent's phone too: keys answer it and hang it up."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from ringback.queue.models import EventType
from ringback.webhooks.phone_command import run_call
from tests.live_server import LiveServer
from tests.routing.conftest import BUSINESS, CALLER, QUEUE


def test_ringback_call_answers_the_agent_phone_and_the_agent_hangs_up(
    desk, settings, services, owner_headers
):
    number = desk.client.put(f"/api/v1/numbers/{BUSINESS}", json={"queue_id": QUEUE},
                             headers=owner_headers)
    assert number.status_code in (200, 201)
    ana, _ = desk.agent("Ana")
    desk.presence(ana, "available", [QUEUE])
    out = io.StringIO()

    def redirects(call_sid: str) -> str | None:
        desk.work()  # time passes on the line: the worker rings Ana meanwhile
        return desk.redirects(call_sid)

    app = desk.client.application
    with LiveServer(app) as server:
        own = settings.with_changes(port=urlsplit(server.url).port)
        status = run_call(own, BUSINESS, CALLER, keys="a,x", out=out, redirects=redirects)

    printed = out.getvalue()
    assert status == 0, printed
    assert "[dial] +493012345678" in printed
    assert "[dial-result] answered" in printed
    assert "[dial-result] far end hung up" in printed
    assert [e.type for e in services.queue.events(QUEUE)][-2:] == [
        EventType.ACCEPTED, EventType.COMPLETED]
