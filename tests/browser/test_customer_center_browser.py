"""The ticket pages and the customer information center in a real browser: they
fit a 390 px phone, the widgets move and close by keyboard (plain form posts),
and dragging a widget by its heading saves the new order for the agent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ringback.tickets.desk import SYSTEM
from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    WAIT,
    desk_fixture,
    log_in,
)

pytestmark = pytest.mark.browser

PHONE_WIDTH = {"width": 390, "height": 844}


@pytest.fixture
def acme(desk):
    """A customer with two people and tickets with long titles in several states."""
    s = desk.services
    customer = s.customers.create_customer({"name": "Acme Consolidated Widgets GmbH",
                                            "email": "service@acme-consolidated.example"})
    ada = s.customers.create_user({"customer_id": customer.id, "name": "Ada Lovelace",
                                   "email": "ada.lovelace@acme-consolidated.example",
                                   "phones": ["+49 30 1234567", "+49 171 2345678"]})
    s.customers.create_user({"customer_id": customer.id, "name": "Bob Babbage"})
    tickets = []
    for title, state in (("The printer on the third floor prints only blank pages", "new"),
                         ("Invoice 2027-0042 shows the wrong delivery address", "open"),
                         ("Router keeps restarting every few minutes", "open")):
        tickets.append(s.ticket_desk.create({"subject": title, "customer_user_id": ada.id,
                                             "queue": "support", "state": state}, SYSTEM))
    s.ticket_desk.lock(tickets[1].id, desk.owner.id, SYSTEM)
    s.ticket_desk.add_article(tickets[1].id, {"kind": "phone", "body": "Called about it"},
                              SYSTEM, author="Olivia Owner")
    return {"customer": customer, "ada": ada, "tickets": tickets}


def widget_order(page) -> list[str]:
    return page.locator("ol.widgets > li").evaluate_all(
        "items => items.map(li => li.dataset.widget)")


def test_ticket_and_customer_pages_fit_a_phone(page, live_server, desk, acme):
    log_in(page, live_server)
    page.set_viewport_size(PHONE_WIDTH)
    customer, ada = acme["customer"], acme["ada"]
    ticket = acme["tickets"][1]
    wide = {}
    for path in ("/console/customers", "/console/customers?q=**",
                 "/console/customers?q=a", f"/console/customers/{customer.id}",
                 f"/console/customers/users/{ada.id}",
                 f"/console/customers/users/{ada.id}/edit",
                 "/console/customers/users/new?phone=%2B442071838750",
                 "/console/tickets", "/console/tickets?mine=queues",
                 f"/console/tickets/{ticket.id}",
                 f"/console/tickets/new/phone?customer_user_id={ada.id}",
                 "/console/tickets/new/phone?phone=%2B442071838750",
                 f"/console/tickets/new/email?customer_user_id={ada.id}"):
        page.goto(live_server.at(path))
        expect(page.locator("h1")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[path] = width
    assert wide == {}


def test_one_letter_is_refused_in_red_beside_the_field(page, live_server, desk, acme):
    log_in(page, live_server)
    page.goto(live_server.at("/console/customers"))
    field = page.get_by_label("Name, e-mail or phone number")
    field.fill("a")
    field.press("Enter")
    error = page.locator("#q-error")
    expect(error).to_contain_text("at least two letters", timeout=WAIT)
    red, green, blue = map(int, re.findall(r"\d+", error.evaluate(
        "el => getComputedStyle(el).color"))[:3])
    assert red > 150 and green < 100 and blue < 100, (red, green, blue)
    expect(field).to_have_attribute("aria-invalid", "true")


def test_widgets_move_and_close_by_keyboard(page, live_server, desk, acme):
    log_in(page, live_server)
    page.set_viewport_size(PHONE_WIDTH)
    center = live_server.at(f"/console/customers/{acme['customer'].id}")
    page.goto(center)
    assert widget_order(page) == ["customer_users", "reminder", "escalated", "new", "open"]
    page.get_by_role("button", name="Move Open up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("ol.widgets > li").nth(3)).to_have_attribute(
        "data-widget", "open", timeout=WAIT)
    # The keyboard goes on from the widget moved, not from the top of the page (once the
    # page that comes back has loaded: on a loaded machine that takes a moment).
    expect(page).to_have_url(re.compile("#w-open$"), timeout=WAIT)
    page.wait_for_load_state()
    page.keyboard.press("Tab")
    expect(page.locator("li.widget#w-open :focus")).to_have_count(1, timeout=WAIT)
    page.get_by_role("button", name="Close Reminder").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Show all widgets")).to_be_visible(timeout=WAIT)
    assert widget_order(page) == ["customer_users", "escalated", "open", "new"]
    # A ticket from the Customer users widget, by keyboard alone.
    page.get_by_role("link", name="Create phone ticket for Ada Lovelace").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("New phone ticket", timeout=WAIT)
    page.get_by_label("Title").focus()
    page.keyboard.type("Cannot log in")
    page.keyboard.press("Tab")
    page.keyboard.type("Forgot the password again")
    page.get_by_role("button", name="Create ticket").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Cannot log in", timeout=WAIT)
    expect(page.locator(".page-head .muted")).to_contain_text("locked by Olivia Owner")
    page.goto(center + "?open=locked")
    expect(page.locator("#w-open")).to_contain_text("Cannot log in")


def test_dragging_a_widget_saves_the_order_for_the_agent(page, live_server, desk, acme):
    log_in(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 2400})  # both headings on screen
    center = live_server.at(f"/console/customers/{acme['customer'].id}")
    page.goto(center)
    source = page.locator("#w-open-h").bounding_box()
    target = page.locator("#w-customer_users-h").bounding_box()
    assert source and target
    with page.expect_response(lambda r: r.url.endswith("/console/customers/layout")) as saved:
        page.mouse.move(source["x"] + 20, source["y"] + source["height"] / 2)
        page.mouse.down()
        page.mouse.move(target["x"] + 20, target["y"] + 4, steps=8)
        # As a hand does: the pointer goes on moving over the widget now under it.
        page.mouse.move(target["x"] + 24, target["y"] + 8, steps=4)
        page.mouse.up()
    assert saved.value.status == 200
    assert widget_order(page)[0] == "open"
    page.goto(center)
    assert widget_order(page)[0] == "open"
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.at(f"/console/tickets/{acme['tickets'][1].id}"))
    screenshot(page, "ticket-zoom")
