"""The live board in a real browser: callers appear and turn into callbacks
without a reload, Call places the callback, Decline keeps its place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ringback.agents import AgentDirectory
from ringback.numbers import NumberDirectory
from ringback.queue.models import EntryKind, NewEntry
from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    BUSINESS,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    OWNER_PHONE,
    QUEUE,
    WAIT,
    desk_fixture,
    log_in,
    polling_server_fixture,
    short_stream_server_fixture,
)

pytestmark = pytest.mark.browser

CALLER_A = "+4915112345678"
CALLER_B = "+4915198765432"
CALLER_C = "+4917612345678"


def row(page, number: str):
    return page.locator("#board tr[data-ref]", has_text=number)


def test_callers_appear_become_callbacks_in_place_and_are_called_or_declined(
        page, live_server, desk):
    desk.configure(callback={"enabled": True})
    log_in(page, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Live queue").click()
    expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()
    expect(page.locator("[data-live-status]")).to_have_text("Live", timeout=WAIT)
    phone = desk.phone()

    clock = desk.services.clock
    call_a = phone.dial(BUSINESS, CALLER_A)
    expect(row(page, CALLER_A)).to_contain_text("Live call", timeout=WAIT)
    clock.advance(95)
    call_b = phone.dial(BUSINESS, CALLER_B)
    expect(row(page, CALLER_B).locator("td.position")).to_have_text("2", timeout=WAIT)

    call_a.press("1")  # "call me back on this number"
    assert call_a.ended
    expect(row(page, CALLER_A)).to_contain_text("Callback", timeout=WAIT)
    expect(row(page, CALLER_A).locator("td.position")).to_have_text("1")
    clock.advance(40)
    call_b.press("1")
    expect(row(page, CALLER_B)).to_contain_text("Callback", timeout=WAIT)
    expect(row(page, CALLER_B).locator("td.position")).to_have_text("2")
    phone.dial(BUSINESS, CALLER_C)  # stays on the line
    expect(row(page, CALLER_C)).to_contain_text("Live call", timeout=WAIT)
    kinds = [(e.caller, e.kind) for e in desk.services.queue.entries(QUEUE)]
    assert kinds == [(CALLER_A, EntryKind.CALLBACK), (CALLER_B, EntryKind.CALLBACK),
                     (CALLER_C, EntryKind.LIVE)]

    # The owner takes calls: routing offers the head callback at once, with a countdown.
    page.get_by_role("form", name="Your presence").get_by_role(
        "button", name="Available").click()
    expect(page.get_by_role("status")).to_contain_text(f"a caller is offered to you in {QUEUE}")
    expect(row(page, CALLER_A)).to_contain_text(re.compile(r"Offered to you\s*20 s"))
    expect(page.locator("[data-me]")).to_contain_text("Offered")
    countdown = row(page, CALLER_A).locator("[data-countdown]")
    expect(countdown).not_to_have_text("20 s", timeout=WAIT)  # ticks in the browser
    screenshot(page, "board")

    row(page, CALLER_B).get_by_role("button", name=re.compile("^Decline ")).click()
    expect(page.get_by_role("status")).to_contain_text(
        f"The callback to {CALLER_B} stays in the queue at position 2")
    expect(row(page, CALLER_B).locator("td.position")).to_have_text("2")
    expect(row(page, CALLER_B)).to_contain_text("declined by you")

    row(page, CALLER_A).get_by_role("button", name=re.compile("^Call ")).click()
    expect(page.get_by_role("status")).to_contain_text(f"Calling {CALLER_A} back")
    desk.work()  # place_callback: the owner's phone rings first
    placed = desk.services.telephony.calls()
    assert [c.to for c in placed] == [OWNER_PHONE]
    expect(row(page, CALLER_A)).to_have_count(0, timeout=WAIT)  # with the agent now
    expect(row(page, CALLER_B).locator("td.position")).to_have_text("1")
    agents = page.locator("#board tr[data-agent]", has_text="Olivia Owner")
    expect(agents).to_contain_text(re.compile("Busy"))



def test_the_board_reconnects_when_a_stream_ends_and_keeps_updating(
        page, short_stream_server):
    live = short_stream_server
    s = live.services
    AgentDirectory(s.db).create_owner(OWNER_EMAIL, "Olivia Owner", OWNER_PASSWORD)
    NumberDirectory(s.db, s.redis).put(BUSINESS, {"queue_id": QUEUE})
    log_in(page, live)
    page.goto(live.at("/console/live"))

    expect(page.locator("#board")).to_have_attribute("data-streams", "3", timeout=WAIT)
    s.queue.join(QUEUE, NewEntry(call_sid="CA1", caller=CALLER_A, dialled=BUSINESS))
    expect(row(page, CALLER_A)).to_contain_text("Live call", timeout=WAIT)
    expect(page.locator("[data-live-status]")).to_have_text("Live")


def test_a_board_without_a_stream_slot_polls_and_fetches_only_when_a_queue_moved(
        page, polling_server):
    live = polling_server
    s = live.services
    AgentDirectory(s.db).create_owner(OWNER_EMAIL, "Olivia Owner", OWNER_PASSWORD)
    NumberDirectory(s.db, s.redis).put(BUSINESS, {"queue_id": QUEUE})
    log_in(page, live)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/console/live/board" in r.url
            else None)
    page.goto(live.at("/console/live"))

    expect(page.locator("#board")).to_have_attribute("data-streams", "4", timeout=WAIT)
    assert len(fetched) <= 1  # the first answer's catch-up; quiet polls fetch nothing
    s.queue.join(QUEUE, NewEntry(call_sid="CA1", caller=CALLER_A, dialled=BUSINESS))
    expect(row(page, CALLER_A)).to_contain_text("Live call", timeout=WAIT)
    expect(page.locator("[data-live-status]")).to_have_text("Live")
