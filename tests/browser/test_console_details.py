"""Issue 14's small defects of the console, in a real browser at 390 px: the icon,
the role's one name, "Add number" on one line, and a proper "Add queue" form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ringback.console.audit import AuditLog
from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    BUSINESS,
    WAIT,
    desk_fixture,
    log_in,
)

pytestmark = pytest.mark.browser

PHONE_WIDTH = {"width": 390, "height": 844}


def lines_of(locator) -> int:
    """How many lines of text an element's label takes."""
    return locator.evaluate("""el => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    }""")


def test_favicon_is_not_a_404_on_every_page(page, live_server, desk):
    log_in(page, live_server)
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_count(1)
    answer = page.request.get(live_server.at("/favicon.ico"))
    assert answer.status == 200, answer.status
    assert answer.headers["content-type"].startswith("image/svg+xml")
    linked = page.request.get(live_server.at(icon.get_attribute("href") or ""))
    assert linked.status == 200


def test_the_role_is_called_the_same_on_the_agent_form_and_in_the_list(page, live_server, desk):
    desk.agent("ana@example.com", ["callbacks"])
    page.set_viewport_size(PHONE_WIDTH)
    log_in(page, live_server)
    page.goto(live_server.at("/console/agents"))
    row = page.get_by_role("row").filter(has_text="ana@example.com")
    expect(row).to_contain_text("Agent")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("radio", name=re.compile(r"^Agent\b"))).to_be_checked(timeout=WAIT)
    expect(page.get_by_role("group", name="Role")).not_to_contain_text("Custom")


def test_add_number_wraps_onto_two_lines(page, live_server, desk):
    page.set_viewport_size(PHONE_WIDTH)
    log_in(page, live_server)
    page.goto(live_server.at("/console/numbers"))
    button = page.get_by_role("link", name="Add number")
    expect(button).to_be_visible()
    assert lines_of(button) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_queues_are_created_only_by_typing_an_id_into_open_another_queue(
        page, live_server, desk):
    page.set_viewport_size(PHONE_WIDTH)
    log_in(page, live_server)
    page.goto(live_server.at("/console/queues"))
    form = page.get_by_role("form", name="Add queue")
    name = form.get_by_label("Name of the new queue")

    # With the keyboard alone: the field, then Enter sends the form.
    name.focus()
    page.keyboard.type("sales team")
    page.keyboard.press("Enter")
    expect(page.locator("#new_queue-error")).to_have_text(
        "Use 1 to 64 letters, digits, - or _ (no spaces), such as sales or support-de.",
        timeout=WAIT)
    expect(name).to_have_value("sales team")
    assert "sales team" not in desk.services.queue.configured()

    page.get_by_role("form", name="Add queue").get_by_label("Name of the new queue").fill(
        "default")
    page.get_by_role("button", name="Add queue").click()
    expect(page.locator("#new_queue-error")).to_contain_text(
        "There is already a queue called default", timeout=WAIT)

    page.get_by_role("form", name="Add queue").get_by_label("Name of the new queue").fill(
        "sales-de")
    page.get_by_role("button", name="Add queue").click()
    expect(page.get_by_role("heading", name="Queue sales-de")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("status")).to_contain_text("Queue sales-de is added")
    assert "sales-de" in desk.services.queue.configured()
    (entry,) = AuditLog(desk.services.db, desk.services.clock).page(limit=1)
    assert (entry.action, entry.target) == ("queue.added", "sales-de")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_audit_log_shows_raw_keys_and_none(page, live_server, desk):
    desk.configure()  # a number through the API, so the log below has only the console's
    page.set_viewport_size(PHONE_WIDTH)
    log_in(page, live_server)
    page.goto(live_server.at("/console/queues/support"))
    page.get_by_label("Offer timeout (seconds)").fill("45")
    page.get_by_label("Booking priority").fill("70")
    page.get_by_role("button", name="Save queue").click()
    expect(page.get_by_role("status")).to_contain_text("Saved", timeout=WAIT)
    page.get_by_label("Booking priority").fill("")  # the rule dropped: stored as None
    page.get_by_role("button", name="Save queue").click()
    expect(page.get_by_role("status")).to_contain_text("Saved", timeout=WAIT)

    page.goto(live_server.at("/console/audit"))
    table = page.get_by_role("table")
    expect(table).to_contain_text("Queue changed", timeout=WAIT)
    expect(table).to_contain_text("Offer timeout (seconds): 45")
    expect(table).to_contain_text("Booking priority: 70")
    expect(table).to_contain_text("Booking priority: not set (the default)")
    text = table.inner_text()
    for raw in ("None", "queue.changed", "offer_timeout_seconds", "priorities."):
        assert raw not in text, f"{raw!r} on the audit page: {text}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_ticket_queues_are_chosen_by_their_labels_on_my_account(page, live_server, desk):
    desk.services.numbers.put("+4930123456", {"queue_id": "support"})
    desk.services.queue.configure("billing", desk.services.queue.settings("billing"))
    page.set_viewport_size(PHONE_WIDTH)
    log_in(page, live_server)
    page.goto(live_server.at("/console/account"))
    group = page.get_by_role("group", name="Show me tickets of these queues")
    group.get_by_role("checkbox", name="billing").check()
    page.get_by_role("button", name="Save ticket queues").click()
    expect(page.get_by_role("status").filter(has_text="Your ticket queues are saved.")) \
        .to_be_visible(timeout=WAIT)
    expect(page.get_by_role("group", name="Show me tickets of these queues")
           .get_by_role("checkbox", name="billing")).to_be_checked()
    expect(page.get_by_role("checkbox", name="support")).not_to_be_checked()
    assert desk.services.my_queues.of(desk.owner.id) == ["billing"]
    # The sessions table's hidden "Action" heading used to poke 5 px out of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_board_and_callbacks_fit_390_px_with_call_and_decline_on_screen(
        page, live_server, desk):
    """Defect 6: at 390 px the board was 601 px wide and Callbacks 923 px, so the page
    panned sideways and Call / Decline sat off-screen."""
    from ringback.queue.models import NewEntry

    s = desk.services
    desk.configure()
    desk.phone().dial(BUSINESS, "+4930123456701")
    waiting = s.queue.join("support", NewEntry(call_sid="CAcb", caller="+4930999111",
                                               dialled=BUSINESS))
    s.callbacks.request("support", waiting.entry_id, "+4930999111")
    page.set_viewport_size(PHONE_WIDTH)
    log_in(page, live_server)
    for path in ("/console/live", "/console/callbacks"):
        page.goto(live_server.at(path))
        call = page.get_by_role("button", name="Call +4930999111 back")
        expect(call).to_be_visible(timeout=WAIT)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(page, "board-mobile" if path == "/console/live" else "callbacks-mobile")
        for button in (call, page.get_by_role("button", name=re.compile(
                "^Decline the callback to \\+4930999111"))):
            box = button.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, path
