"""The reports page in a real browser: a week of callbacks as figures, per number
and as a chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.callback_history import EXPIRED, OPEN, Asked, write_history
from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    AGENT_PASSWORD,
    BUSINESS,
    QUEUE,
    desk_fixture,
    log_in,
)

pytestmark = pytest.mark.browser

HAMBURG = "+4940123456"
A, N, B, F = "connected", "no_answer", "busy", "failed"
WEEK = [
    Asked(6, 9, BUSINESS, A, 120), Asked(6, 11, BUSINESS, A, 300), Asked(6, 14, HAMBURG, N, 200),
    Asked(5, 10, BUSINESS, A, 90), Asked(5, 15, HAMBURG, EXPIRED),
    Asked(4, 8, BUSINESS, A, 60), Asked(4, 9, BUSINESS, A, 150), Asked(4, 12, HAMBURG, B, 100),
    Asked(4, 16, BUSINESS, A, 240),
    Asked(3, 10, BUSINESS, EXPIRED), Asked(3, 13, HAMBURG, A, 180),
    Asked(2, 9, BUSINESS, A, 45), Asked(2, 10, BUSINESS, N, 300), Asked(2, 11, HAMBURG, A, 120),
    Asked(2, 15, BUSINESS, F, 10),
    Asked(1, 9, HAMBURG, A, 200), Asked(1, 12, BUSINESS, A, 90), Asked(1, 14, BUSINESS, EXPIRED),
    Asked(0, 0, BUSINESS, A, 75), Asked(0, 0, HAMBURG, OPEN), Asked(0, 0, BUSINESS, OPEN),
]


def test_the_reports_page_shows_a_week_of_callbacks_overall_per_number_and_over_time(
        page, live_server, desk):
    desk.configure()
    write_history(desk.services, QUEUE, desk.owner.id, WEEK)
    log_in(page, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()

    expect(page.locator("[data-figure=total_callbacks]")).to_have_text("21")
    expect(page.locator("[data-figure=callbacks_in_queue]")).to_have_text("2")
    expect(page.locator("[data-figure=answered]")).to_have_text("12")
    expect(page.locator("[data-figure=no_answer]")).to_have_text("2")
    expect(page.locator("[data-figure=expired]")).to_have_text("3")
    waits = [a.wait for a in WEEK if a.end in (A, N, B, F)]
    average = round(sum(waits) / len(waits))
    expect(page.locator("[data-figure=average_callback_wait]")).to_have_text(
        f"{average // 60}:{average % 60:02d}")
    expect(page.locator(".chart g.bar")).to_have_count(7)
    expect(page.locator(f"tr[data-number='{HAMBURG}'] td").nth(1)).to_have_text("7")
    expect(page.locator(f"tr[data-number='{BUSINESS}'] td").nth(1)).to_have_text("14")
    screenshot(page, "reports")

    page.get_by_label("Period", exact=True).select_option("24h")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".chart g.bar")).to_have_count(24)
    # The clock is at 08:00 UTC: the last 24 hours hold yesterday's 09:00, 12:00 and
    # 14:00 and today's three.
    expect(page.locator("[data-figure=total_callbacks]")).to_have_text("6")
