"""The signed CTI webhook hears the calls: a caller joining the queue is a newCall
and hanging up while waiting a hangup, each posted by a worker to the configured
URL in Zammad's generic CTI shape, driven the way Twilio drives the call."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from ringback.terminal_phone.call import HANGUP
from ringback.worker import make_worker
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE
from tests.helpdesk.standin import HelpdeskStandIn


@pytest.fixture
def standin() -> Iterator[HelpdeskStandIn]:
    server = HelpdeskStandIn()
    yield server
    server.close()


@pytest.fixture
def settings(settings, standin):
    return settings.with_changes(cti_webhook_url=standin.url + "/cti",
                                 cti_webhook_secret="cti-secret-0123456789")


def posted(standin) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in parse_qs(s.body.decode(), keep_blank_values=True).items()}
            for s in standin.seen if s.path == "/cti"]


def test_a_caller_joining_and_hanging_up_is_a_new_call_then_a_hangup(
        configure, phone, services, standin):
    configure()
    call = phone.dial(BUSINESS, CALLER)
    standin.answer(200, "{}")
    make_worker(services, simple=True).work(burst=True)
    (new,) = posted(standin)
    assert (new["event"], new["from"], new["to"], new["direction"], new["queue"]) == (
        "newCall", CALLER, BUSINESS, "in", QUEUE)

    call.press(HANGUP)
    standin.answer(200, "{}")
    make_worker(services, simple=True).work(burst=True)
    events = posted(standin)
    assert [e["event"] for e in events] == ["newCall", "hangup"]
    assert events[1]["callId"] == new["callId"]
