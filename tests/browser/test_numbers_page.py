"""The numbers form in a real browser: a changed greeting is heard in the next
call; an agent without the numbers permission is refused, page and API."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ringback.agents import AgentDirectory
from ringback.console.audit import AuditLog
from tests.browser.conftest import screenshot
from tests.browser.console_flows import (  # noqa: F401 (the desk fixture)
    AGENT_PASSWORD,
    BUSINESS,
    WAIT,
    desk_fixture,
    log_in,
)

pytestmark = pytest.mark.browser

CALLER = "+4915112345678"
NEW_OFFER = "Press 1 and we call you back within the hour, promised."
HOLD_RECORDING = "https://media.example.com/hold-de.mp3"


def test_a_callback_greeting_changed_in_the_form_is_heard_in_the_next_call(
        page, live_server, desk):
    desk.configure(language="de", greetings={"hold": {"audio_url": HOLD_RECORDING}},
                   callback={"enabled": True, "allowed_countries": ["DE", "AT"]})
    log_in(page, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Numbers").click()
    page.get_by_role("link", name=BUSINESS).click()
    expect(page.get_by_role("heading", name=BUSINESS, exact=True)).to_be_visible()
    listen = page.get_by_label("Listen to the while holding recording")
    expect(listen).to_have_attribute("src", HOLD_RECORDING)

    offer = page.get_by_role("group", name="Callback offer")
    expect(offer).to_contain_text("shipped prompt in German")
    offer.get_by_label("Text to speak").fill(NEW_OFFER)
    page.get_by_role("button", name="Save number").click()
    expect(page.get_by_role("status")).to_contain_text(f"{BUSINESS} is saved", timeout=WAIT)
    expect(offer.get_by_label("Text to speak")).to_have_value(NEW_OFFER)
    screenshot(page, "number_form")

    call = desk.phone().dial(BUSINESS, CALLER)
    assert NEW_OFFER in call.said()
    (entry,) = AuditLog(desk.services.db, desk.services.clock).page(limit=1)
    assert (entry.action, entry.target) == ("number.changed", BUSINESS)
    assert entry.details["greetings"]["callback_offer"] == {"text": NEW_OFFER}


def test_a_wrong_setting_is_shown_at_its_field_and_nothing_is_saved(page, live_server, desk):
    desk.configure()
    log_in(page, live_server)
    page.goto(live_server.at(f"/console/numbers/{BUSINESS}"))
    page.get_by_label("Maximum wait (seconds)").fill("10")
    page.get_by_role("checkbox", name="Offer callbacks while callers wait").check()
    page.get_by_role("radio", name="Digital line").check()
    page.get_by_role("button", name="Save number").click()

    expect(page.locator("#max_wait_seconds-error")).to_have_text(
        "Must be a whole number of seconds from 30 to 86400, or left empty.", timeout=WAIT)
    expect(page.locator("#callback\\.enabled-error")).to_have_text(
        "A digital line never offers callbacks.")
    expect(page.get_by_label("Maximum wait (seconds)")).to_have_value("10")
    stored = desk.services.telephony  # unchanged configuration below
    assert stored is not None
    from ringback.numbers import NumberDirectory
    config = NumberDirectory(desk.services.db, desk.services.redis).get(BUSINESS)
    assert config.max_wait_seconds == 900 and config.line_type.value == "phone"


def test_the_error_summary_names_the_labels_the_user_sees_and_takes_the_focus(
        page, live_server, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server)
    page.goto(live_server.at("/console/numbers/new"))
    page.get_by_label("Phone number").fill("030 1234")
    page.get_by_label("Maximum wait (seconds)").fill("10")
    page.get_by_label("Key of option 1").fill("1")  # a menu without a menu greeting
    page.get_by_role("button", name="Add number").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused(timeout=WAIT)
    expect(summary.get_by_role("link", name="Phone number")).to_be_visible()
    expect(summary.get_by_role("link", name="Maximum wait (seconds)")).to_be_visible()
    expect(summary.get_by_role("link", name="Menu greeting")).to_be_visible()
    expect(summary).to_contain_text("or left empty")
    text = summary.inner_text()
    for internal in ("e164", "max_wait_seconds", "greetings.", "null"):
        assert internal not in text, f"{internal!r} in the summary: {text}"
    # With the keyboard alone: from the summary to its first link, which leads to the field.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Phone number")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.at("/console/numbers/new#e164"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_agent_without_the_numbers_permission_gets_403_on_the_page_and_the_api(
        page, live_server, desk):
    desk.configure()
    ana = desk.agent("ana@example.com", ["live_queue", "callbacks", "reports"])
    token = AgentDirectory(desk.services.db).issue_token(ana.id)
    log_in(page, live_server, "ana@example.com", AGENT_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Live queue")).to_be_visible()
    expect(nav.get_by_role("link", name="Numbers")).to_have_count(0)

    for path in ("/console/numbers", f"/console/numbers/{BUSINESS}", "/console/numbers/new"):
        response = page.goto(live_server.at(path))
        assert response.status == 403, path
        expect(page.locator("main")).to_contain_text("needs the Numbers permission")
    api = page.request.get(live_server.at("/api/v1/numbers"),
                           headers={"Authorization": f"Bearer {token}"})
    assert api.status == 403
    put = page.request.put(live_server.at(f"/api/v1/numbers/{BUSINESS}"), data={},
                           headers={"Authorization": f"Bearer {token}"})
    assert put.status == 403
