"""The signed CTI webhook through whole calls, as a Zammad caller log sees them:
the terminal phone calls the running app, agents take the calls, rq workers run
the jobs, and a stand-in Zammad CTI endpoint on 127.0.0.1 receives each event
once, in Zammad's generic CTI form, with a signature it can check."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from ringback.queue.models import EntryKind
from ringback.terminal_phone import HANGUP, TerminalPhone
from tests.callbacks.conftest import build_app
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE
from tests.e2e.live_desk import AGENT_PHONE, LiveDesk
from tests.helpdesk.standin import HelpdeskStandIn

SECOND_CALLER = "+4915198765432"
SECRET = "zammad-cti-secret-0123456789"
WRAP_UP_SECONDS = 30


@pytest.fixture
def zammad() -> Iterator[HelpdeskStandIn]:
    server = HelpdeskStandIn(default=(200, "{}"))
    yield server
    server.close()


@pytest.fixture
def settings(settings, zammad):
    return settings.with_changes(cti_webhook_url=f"{zammad.url}/api/v1/cti/abc123",
                                 cti_webhook_secret=SECRET)


@pytest.fixture
def app(settings, services):
    """The real app, with the outbound callback webhooks."""
    flask_app = build_app(settings, services)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def desk(app, services, settings, configure) -> LiveDesk:
    configure()
    desk = LiveDesk(services, app.test_client(), settings)
    desk.queue_settings(QUEUE, wrap_up_seconds=WRAP_UP_SECONDS)
    return desk


@pytest.fixture
def phone(server, settings, desk, clock) -> TerminalPhone:
    return TerminalPhone(server.url, auth_token=settings.webhook_auth_token,
                         public_url=settings.public_base_url, redirects=desk.redirects,
                         stop_on_hold=True, clock=clock.now)


def received(zammad: HelpdeskStandIn) -> dict[str, list[dict[str, str]]]:
    """The events Zammad received, per callId in the order they came; each one
    signed with the shared secret over its exact body."""
    calls: dict[str, list[dict[str, str]]] = {}
    for seen in zammad.seen:
        assert (seen.method, seen.path) == ("POST", "/api/v1/cti/abc123")
        assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
        digest = hmac.new(SECRET.encode(), seen.body, hashlib.sha256).hexdigest()
        assert seen.headers["X-Ringback-Signature"] == f"sha256={digest}"
        fields = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
        assert (fields["direction"], fields["to"], fields["queue"]) == ("in", BUSINESS, QUEUE)
        calls.setdefault(fields["callId"], []).append(fields)
    return calls


def summary(events: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [(e["event"], e["from"], e.get("user", ""), e.get("cause", "")) for e in events]


def test_a_callback_and_a_live_call_reach_zammads_caller_log_event_by_event(
    desk, phone, services, clock, zammad
):
    ana, ana_token = desk.agent("Ana")
    asker = phone.dial(BUSINESS, CALLER)
    asker.press("1")  # call me back on this number
    live = phone.dial(BUSINESS, SECOND_CALLER)
    callback_id, _ = [e.entry_id for e in services.queue.entries(QUEUE)]
    assert services.queue.get(QUEUE, callback_id).kind is EntryKind.CALLBACK
    desk.work()

    offer = desk.presence(ana, "available", [QUEUE], token=ana_token)["offer"]
    assert desk.accept(offer["id"], ana_token).status_code == 202
    desk.work()  # the callback's call: Ana's phone first
    (placed,) = desk.placed_calls()
    agent_leg = phone.pick_up(placed.url, to=AGENT_PHONE, from_=BUSINESS, call_sid=placed.sid,
                              status_callback=placed.status_callback)
    agent_leg.answer()  # the customer picks up
    desk.work()
    clock.advance(120)
    agent_leg.hang_up()
    desk.work()

    clock.advance(WRAP_UP_SECONDS)
    desk.sweep()
    desk.work()  # the live caller is next
    live.wait()
    live.answer()
    clock.advance(30)
    live.far_end_hangs_up()
    desk.work()

    calls = received(zammad)
    assert summary(calls.pop(asker.call_sid)) == [
        ("newCall", CALLER, "", ""), ("hangup", CALLER, "", "forwarded")]
    assert summary(calls.pop(f"callback-{QUEUE}-{callback_id}")) == [
        ("newCall", CALLER, "", ""), ("answer", CALLER, "Ana", ""),
        ("hangup", CALLER, "", "normalClearing")]
    assert summary(calls.pop(live.call_sid)) == [
        ("newCall", SECOND_CALLER, "", ""), ("answer", SECOND_CALLER, "Ana", ""),
        ("hangup", SECOND_CALLER, "", "normalClearing")]
    assert calls == {}
    assert services.helpdesk_outbox.unsent() == []


def test_a_caller_who_hangs_up_and_a_callback_that_expires_are_missed_calls(
    desk, phone, services, clock, zammad
):
    quitter = phone.dial(BUSINESS, SECOND_CALLER)
    asker = phone.dial(BUSINESS, CALLER)
    asker.press("2")  # call me back on another number
    asker.press("03012345678#")
    asker.press("1")  # that number is right
    callback = next(e for e in services.queue.entries(QUEUE) if e.kind is EntryKind.CALLBACK)
    quitter.press(HANGUP)
    desk.work()

    clock.advance(services.settings.callback_expiry_seconds)
    assert desk.sweep() == 1  # CALLBACK_EXPIRY
    desk.work()

    calls = received(zammad)
    assert summary(calls.pop(quitter.call_sid)) == [
        ("newCall", SECOND_CALLER, "", ""), ("hangup", SECOND_CALLER, "", "cancel")]
    assert summary(calls.pop(asker.call_sid)) == [
        ("newCall", CALLER, "", ""), ("hangup", CALLER, "", "forwarded")]
    assert summary(calls.pop(f"callback-{QUEUE}-{callback.entry_id}")) == [
        ("newCall", "+493012345678", "", ""), ("hangup", "+493012345678", "", "expired")]
    assert calls == {}


def test_a_caller_who_leaves_at_max_wait_is_a_missed_call(
    desk, configure, phone, clock, zammad
):
    configure(max_wait_seconds=60, overflow={"kind": "message",
                                             "message": {"text": "Please call again."}})
    call = phone.dial(BUSINESS, CALLER)
    clock.advance(61)
    call.press(None)  # the next round of holding finds the time is up
    assert call.ended
    desk.work()

    assert summary(received(zammad)[call.call_sid]) == [
        ("newCall", CALLER, "", ""), ("hangup", CALLER, "", "noAnswer")]
