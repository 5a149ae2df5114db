"""The queues form in a real browser: the owner opens Queues from the menu, changes
the offer timeout and a priority, and the queue engine reads them back; a wrong
value is shown at its field and nothing is stored."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ringback.console.audit import AuditLog
from ringback.queue.models import Intent, QueueSettings
from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    QUEUE,
    WAIT,
    desk_fixture,
    log_in,
)

pytestmark = pytest.mark.browser


def test_the_owner_changes_offer_timeout_and_a_priority_and_the_engine_has_them(
        page, live_server, desk):
    desk.configure()  # a number sending callers to QUEUE
    log_in(page, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queues").click()
    expect(page.get_by_role("heading", name="Queues", exact=True)).to_be_visible()
    page.get_by_role("link", name=f"Edit queue {QUEUE}").click()
    expect(page.get_by_role("heading", name=f"Queue {QUEUE}")).to_be_visible()
    expect(page.get_by_label("Offer timeout (seconds)")).to_have_value("20")

    page.get_by_label("Offer timeout (seconds)").fill("45")
    page.get_by_label("Booking priority").fill("70")
    page.get_by_role("button", name="Save queue").click()

    expect(page.get_by_role("status")).to_contain_text(f"Saved: queue {QUEUE}", timeout=WAIT)
    expect(page.get_by_label("Offer timeout (seconds)")).to_have_value("45")
    expect(page.get_by_label("Booking priority")).to_have_value("70")
    screenshot(page, "queue_form")
    stored = desk.services.queue.settings(QUEUE)
    assert stored.offer_timeout_seconds == 45
    assert dict(stored.priorities) == {Intent.BOOKING: 70}
    (entry,) = AuditLog(desk.services.db, desk.services.clock).page(limit=1)
    assert (entry.action, entry.target) == ("queue.changed", QUEUE)
    assert entry.details == {"offer_timeout_seconds": 45, "priorities.booking": 70}


def test_a_wrong_value_is_shown_at_its_field_and_nothing_is_stored(page, live_server, desk):
    desk.configure()
    log_in(page, live_server)
    page.goto(live_server.at(f"/console/queues/{QUEUE}"))
    page.get_by_label("Offer timeout (seconds)").fill("45")
    page.get_by_label("Ticket priority").fill("120")
    page.get_by_role("button", name="Save queue").click()

    expect(page.locator("#priorities\\.ticket-error")).to_have_text(
        "Must be an integer from 0 to 99.", timeout=WAIT)
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    expect(page.get_by_label("Ticket priority")).to_have_value("120")
    expect(page.get_by_label("Offer timeout (seconds)")).to_have_value("45")
    assert desk.services.queue.settings(QUEUE) == QueueSettings()
