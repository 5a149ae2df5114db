"""The booking bridge end to end in Chromium: a caller presses the booking option,
the agent accepts and lands on the caller's bookings, books two slots,
reschedules one and cancels it with the password; the outbox holds the mails
with their .ics files; the caller cancels the other one on the phone."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

import pytest
from playwright.sync_api import expect

from ringback.store.bookings import BookingStatus
from tests import booking_example
from tests.booking_example import CALLER
from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    BUSINESS,
    OWNER_PASSWORD,
    WAIT,
    desk_fixture,
    log_in,
    open_live_board,
)

pytestmark = pytest.mark.browser

MENU = {
    "greetings": {"menu": {"text": "For appointments press 1."}},
    "menu": [{"digit": "1", "action": "queue", "queue_id": "support", "intent": "booking"}],
}


def ics_mails(services) -> list[tuple[str, list[str]]]:
    """(subject, attachment names) of every mail in the outbox folder."""
    found = []
    for path in sorted(services.outbox.folder.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        names = [part.get_filename() or "" for part in message.iter_attachments()]
        found.append((str(message["Subject"]), names))
    return found


def test_a_booking_call_from_the_phone_to_two_bookings_moved_cancelled_and_self_served(
        page, live_server, desk):
    s = desk.services
    business = booking_example.build(s.booking_catalog, s.customers)
    desk.configure(**MENU)
    log_in(page, live_server)
    open_live_board(page)

    # 1. The caller presses the booking option; no appointment yet, so into the queue.
    call = desk.phone().dial(BUSINESS, CALLER)
    call.press("1")
    assert not call.ended
    page.get_by_role("form", name="Your presence").get_by_role(
        "button", name="Available").click()
    offered = page.locator("#board tr[data-ref]", has_text=CALLER)
    expect(offered).to_contain_text("Offered to you", timeout=WAIT)

    # 2. The agent accepts and lands on the caller's booking view.
    offer = page.locator("[data-offer]")
    expect(offer).to_contain_text("appointment")
    offer.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clara Caller", timeout=WAIT)
    assert "call=" in page.url

    # 3. Two slots of a haircut in Berlin.
    page.get_by_role("link", name="New booking").click()
    page.get_by_label("Service").select_option(label="Haircut (30 min)")
    page.get_by_role("button", name="Select location").click()
    page.get_by_label("Location").select_option(label="Berlin Mitte")
    page.get_by_role("button", name="Use this location").click()
    page.get_by_label("Show free times from").fill("2027-01-18")
    page.get_by_role("button", name="Show free times").click()
    page.get_by_label("10:00–10:30").first.check()
    page.get_by_label("11:00–11:30").first.check()
    page.get_by_label("Note for the staff member").fill("Allergic to hair dye")
    expect(page.get_by_label("Send the customer an e-mail")).to_be_checked()
    screenshot(page, "booking-add")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("Booked 2 appointments")
    upcoming = page.get_by_role("table", name=re.compile("Upcoming bookings"))
    expect(upcoming.locator("tbody tr")).to_have_count(2)
    screenshot(page, "booking-customer")

    # 4. Move the first one to 11:30 (online booking hours end at 12:00).
    upcoming.get_by_role("link", name=re.compile("^Reschedule Haircut, Mon 18 Jan 2027, 10:00")
                         ).click()
    page.get_by_label("Show free times from").fill("2027-01-18")
    page.get_by_role("button", name="Show free times").click()
    page.get_by_label("11:30–12:00").first.check()
    page.get_by_label("Your password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Move booking").click()
    expect(page.get_by_role("status")).to_contain_text("Moved: Haircut at Berlin Mitte")
    expect(upcoming).to_contain_text("11:30–12:00")

    # 5. Cancel the moved one with the password.
    page.get_by_role("checkbox", name=re.compile("11:30–12:00")).check()
    page.get_by_role("button", name="Cancel selected").click()
    expect(page.get_by_label("Send the customer an e-mail")).to_be_checked()
    page.get_by_label("Your password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Cancel this booking").click()
    expect(page.get_by_role("status")).to_contain_text("Cancelled 1 booking of Clara Caller")
    expect(upcoming.locator("tbody tr")).to_have_count(1)

    page.goto(live_server.at(f"/console/bookings/calendar?location_id={business.location_id}"
                             "&day=2027-01-18&view=week"))
    expect(page.get_by_role("table", name="Bookings on 2027-01-18")).to_contain_text(
        "Clara Caller")
    screenshot(page, "booking-calendar")
    page.goto(live_server.at("/console/bookings/setup"))
    screenshot(page, "booking-setup")

    # 6. The outbox holds the mails, each with its .ics.
    mails = ics_mails(s)
    assert len(mails) >= 6, mails  # booked x2, moved, cancelled: customer and staff each
    assert all(any(name.endswith(".ics") for name in names) for _, names in mails), mails

    # 7. The caller cancels the other one on the phone.
    (left,) = s.bookings.for_customer(business.customer_id)[0]
    again = desk.phone().dial(BUSINESS, CALLER)
    again.press("1")
    assert "Monday, January 18 at 11:00" in again.said()[-1]
    again.press("2")
    assert again.ended
    assert s.bookings.get(left.id).status == BookingStatus.CANCELLED.value
    assert len(ics_mails(s)) > len(mails)
    page.goto(live_server.at(f"/console/bookings/customers/{business.customer_id}"))
    expect(page.get_by_role("table", name=re.compile("Upcoming bookings"))).to_contain_text(
        "No upcoming bookings")


PHONE_WIDTH = {"width": 390, "height": 844}


def test_the_booking_pages_fit_a_phone_and_work_by_keyboard(page, live_server, desk):
    s = desk.services
    business = booking_example.build(s.booking_catalog, s.customers)
    log_in(page, live_server)
    page.set_viewport_size(PHONE_WIDTH)
    customer = f"/console/bookings/customers/{business.customer_id}"
    page.goto(live_server.at(customer))
    page.get_by_role("link", name="New booking").focus()
    page.keyboard.press("Enter")
    select = page.get_by_label("Service")
    select.focus()
    select.select_option(label="Cut and colour (90 min, combined)")
    page.keyboard.press("Tab")  # to "Select location"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Location")).to_be_visible()
    page.get_by_label("Location").select_option(label="Berlin Mitte")
    page.get_by_role("button", name="Use this location").press("Enter")
    expect(page.get_by_role("group", name=re.compile("Free times"))).to_be_visible()
    wide = {}
    for path in ("/console/bookings", "/console/bookings?q=clara", customer, page.url,
                 f"/console/bookings/calendar?location_id={business.location_id}&view=week",
                 "/console/bookings/setup"):
        page.goto(live_server.at(path) if path.startswith("/") else path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[path] = width
    assert wide == {}
