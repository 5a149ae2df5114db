"""Issue 12's journey in Chromium: a known caller is offered to the agent, the
screen pops that customer user's information center, the agent creates a phone
ticket from the Customer users widget, it shows in the Open widget under "My
locked tickets", and an unknown caller pops "new phone ticket" with the number."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    WAIT,
    desk_fixture,
    log_in,
    open_live_board,
    second_agent,
    take_offer,
)

pytestmark = pytest.mark.browser

CLARA = "+4915112345678"
STRANGER = "+4930999000"


def test_a_known_caller_pops_their_center_and_an_unknown_one_a_new_phone_ticket(
        page, browser, live_server, desk):
    s = desk.services
    acme = s.customers.create_customer({"name": "Acme"})
    s.customers.create_user({"customer_id": acme.id, "name": "Clara Caller",
                             "phones": ["+49 151 12345678"], "email": "clara@acme.example"})
    desk.configure()
    log_in(page, live_server)
    open_live_board(page)

    # 1-2. Clara is offered; the board names her, and accepting pops her center.
    offer = take_offer(page, desk, CLARA)
    expect(offer.locator("[data-caller-pop]")).to_have_text("Caller: Clara Caller (Acme)")
    offer.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clara Caller", timeout=WAIT)
    expect(page.locator("[data-on-call]")).to_contain_text(f"live call from {CLARA}")
    screenshot(page, "screen-pop")

    # 3. A phone ticket from the Customer users widget of her company.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Acme").click()
    page.get_by_role("link", name="Create phone ticket for Clara Caller").click()
    page.get_by_label("Title").fill("Invoice 4711 is wrong")
    page.get_by_label("What the caller wants").fill("Charged twice for March.")
    lock = page.get_by_label("Lock the ticket to me")
    if not lock.is_checked():
        lock.check()
    page.get_by_role("button", name=re.compile("Create")).click()

    # 4. It shows in the Open widget under "My locked tickets".
    page.goto(live_server.at(f"/console/customers/{acme.id}"))
    open_widget = page.locator("[data-widget=open]")
    open_widget.get_by_role("link", name=re.compile("My locked tickets")).click()
    open_widget = page.locator("[data-widget=open]")
    expect(open_widget.get_by_role("link", name=re.compile("My locked tickets"))).to_have_text(
        "My locked tickets (1)")
    expect(open_widget.get_by_role("table")).to_contain_text("Invoice 4711 is wrong")
    screenshot(page, "customer-center")

    # 5. An unknown caller, offered to another agent, pops "new phone ticket".
    with second_agent(browser, desk, "ben@example.com", ["live_queue", "tickets"],
                      "+493012345679") as other:
        offer = take_offer(other, desk, STRANGER)
        expect(offer.locator("[data-caller-pop]")).to_have_text(
            "Caller: a number no customer user has")
        offer.get_by_role("button", name="Accept").click()
        expect(other.get_by_label("Caller's number")).to_have_value(STRANGER, timeout=WAIT)
        expect(other.get_by_role("link", name="Add customer user")).to_be_visible()
