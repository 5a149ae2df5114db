"""Issue 16, finding 9, on the live side: the agent's dial action and leg status
with a duration in digits other than ASCII end the call without an error."""

from __future__ import annotations

import logging

import pytest

from ringback.queue.models import EventType
from ringback.routing.urls import AgentUrls
from tests.routing.conftest import QUEUE
from tests.routing.test_connect_webhooks import BASE, agent_leg, caller_leg, rung, tree

ODD = ["\u00b2", "\u0663"]


@pytest.mark.parametrize("duration", ODD)
def test_an_agent_dial_action_with_a_duration_not_in_ascii_digits_ends_the_call(
        desk, caplog, duration):
    entry, tag, _ = rung(desk)
    urls = AgentUrls(BASE)
    desk.webhook(urls.whisper(tag), agent_leg(entry.call_sid, "+493012345678"))
    caplog.set_level(logging.INFO)

    done = desk.webhook(urls.dial_done(tag), caller_leg(
        entry.call_sid, DialCallStatus="completed", DialCallDuration=duration))

    assert tree(done) == [("Hangup", {}, "")]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    (completed,) = [e for e in desk.events(QUEUE) if e.type is EventType.COMPLETED]
    assert completed.handle_seconds is None or completed.handle_seconds >= 0
    assert desk.state(int(tag.agent_id))["state"] == "wrap_up"


@pytest.mark.parametrize("duration", ODD)
def test_an_agent_leg_status_with_a_duration_not_in_ascii_digits_finishes_the_call(
        desk, caplog, duration):
    entry, tag, _ = rung(desk)
    urls = AgentUrls(BASE)
    desk.webhook(urls.whisper(tag), agent_leg(entry.call_sid, "+493012345678"))
    caplog.set_level(logging.INFO)

    status = desk.webhook(urls.leg_status(tag), agent_leg(
        entry.call_sid, "+493012345678", CallStatus="completed", CallDuration=duration))

    assert status.status_code == 200
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [e for e in desk.events(QUEUE) if e.type is EventType.COMPLETED]
    assert desk.state(int(tag.agent_id))["state"] == "wrap_up"
