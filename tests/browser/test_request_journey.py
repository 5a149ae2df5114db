"""Issue 13's journey in Chromium: a caller presses the "report a problem" option, the
agent's screen pops the caller on the request form, the agent answers from a
knowledge-base script, the same contact becomes an action request for "Appliance
pickup" and creates a work order, a second caller's request for the same address
links to that work order, and the volume report counts both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ringback.service_requests.demo import seed_call_centre
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

ANA = "+4930123456"
NEIGHBOUR = "+4930999000"
MENU = {
    "greetings": {"menu": {"text": "For bulky waste and other problems press 2."}},
    "menu": [{"digit": "2", "action": "queue", "queue_id": "support", "intent": "problem"}],
}


def test_a_problem_call_to_a_work_order_joined_by_a_second_caller(page, browser, live_server,
                                                                  desk):
    s = desk.services
    seed_call_centre(s.db, s.clock)
    family = s.customers.create_customer({"name": "Silva household"})
    s.customers.create_user({"customer_id": family.id, "name": "Ana Silva", "phones": [ANA]})
    desk.configure(**MENU)
    log_in(page, live_server)
    open_live_board(page)

    # 1-2. Ana reports a problem; the board names her, accepting pops her on the form.
    offer = take_offer(page, desk, ANA, keys="2")  # 1. the report-a-problem option
    expect(offer.locator("[data-caller-pop]")).to_have_text("Caller: Ana Silva (Silva household)")
    offer.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New request", timeout=WAIT)
    expect(page.locator("[data-caller-user]")).to_contain_text("Ana Silva")
    expect(page.get_by_label("Action request")).to_be_checked()  # the problem intent
    screenshot(page, "request-new")

    # 3. She first asks how it works: an information request answered from a script.
    page.get_by_label("Information request").check()
    page.get_by_label("What the caller says").fill("How do I get rid of an old fridge?")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(
        r"^Information request \d+$"))
    page.get_by_label("Search articles").fill("old fridge")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Use Appliance pickup").click()
    used = page.get_by_role("article", name="Appliance pickup")
    expect(used).to_contain_text("Large household appliances")
    screenshot(page, "request-information")
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_contain_text("is complete")

    # 4. She wants the fridge collected: the same contact becomes an action request.
    page.get_by_role("button", name="Turn into an action request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(
        r"^Action request \d+$"))
    request_url = page.url.split("#")[0]
    page.get_by_label("Problem code").select_option(label="Appliance pickup (SW-APPL)")
    page.get_by_label("Location or address").fill("12 Elm Street")
    screenshot(page, "request-action")

    # 5. Completing it creates the work order from the code's template.
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Work order \S+ was created"))
    expect(page.get_by_role("table")).to_contain_text("Information request became Action request")
    (order,) = s.work_orders.page().items
    assert order.problem.name == "Appliance pickup" and order.crew == "Bulky waste crew"
    page.get_by_role("link", name=f"Work order {order.number}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)
    expect(page.locator("main")).to_contain_text("Schedule the truck")  # the template's tasks
    screenshot(page, "work-order")

    # 6. A neighbour reports the same fridge: another agent links to the open work order.
    with second_agent(browser, desk, "ben@example.com", ["live_queue", "requests"],
                      "+493012345679", width=390, height=844) as other:
        offer = take_offer(other, desk, NEIGHBOUR, keys="2")
        offer.get_by_role("button", name="Accept").click()
        expect(other.get_by_role("heading", level=1)).to_have_text("New request", timeout=WAIT)
        other.get_by_role("button", name="Save").click()
        other.get_by_label("Or type the problem").fill("Appliance pickup")
        other.get_by_label("Location or address").fill("12 elm st.")
        other.get_by_role("button", name="Complete").click()
        reported = other.get_by_role("group", name="Already reported")
        expect(reported).to_contain_text(f"work order {order.number}")
        expect(reported.get_by_label(re.compile(f"Link to work order {order.number}"))
               ).to_be_checked()
        screenshot(other, "request-already-reported-mobile")
        other.get_by_role("button", name="Complete").click()
        expect(other.get_by_role("status")).to_contain_text(
            f"linked to work order {order.number}")
        assert other.evaluate("document.documentElement.scrollWidth") <= 390
    assert s.work_orders.page().total == 1
    assert len(s.service_requests.for_work_order(order.id)) == 2

    # 7. The volume report counts both action requests.
    page.goto(live_server.at("/console/knowledge?q=fridge"))
    screenshot(page, "knowledge-base")
    page.goto(request_url)
    page.get_by_role("navigation", name="Main").get_by_role("link",
                                                            name="Request volume").click()
    expect(page.locator('[data-figure="total"]')).to_have_text("2")
    expect(page.locator('[data-group="Action"]')).to_have_text("2")
    screenshot(page, "request-volume")


def test_every_request_page_fits_a_phone_and_works_by_keyboard(page, live_server, desk):
    """Each page of issue 13 at 390 px without sideways scrolling; the KB search, the
    use of an article and Save reached and pressed with the keyboard alone."""
    s = desk.services
    seed_call_centre(s.db, s.clock)
    from ringback.work_orders.codes import codes_of

    code = next(c for c in codes_of(s.problem_codes.tree()) if c.name == "Appliance pickup")
    article = s.knowledge.search("appliance pickup", limit=1)[0]
    done = s.service_requests.save({"type": "action"}, desk.owner.id).request
    s.service_requests.complete(done.id, {"problem_code_id": code.id,
                                          "address": "12 Elm Street"}, desk.owner.id)
    order_id = s.service_requests.get(done.id).request.work_order_id
    open_request = s.service_requests.save({"type": "information"}, desk.owner.id).request
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server)
    for path in ("/console/requests", "/console/requests/new", f"/console/requests/{done.id}",
                 f"/console/requests/{open_request.id}?q=fridge",
                 "/console/reports/request-volume", "/console/knowledge?q=fridge",
                 f"/console/knowledge/{article.id}", f"/console/knowledge/{article.id}/edit",
                 "/console/knowledge/new", "/console/work-orders",
                 f"/console/work-orders/{order_id}", "/console/problem-codes",
                 f"/console/problem-codes/codes/{code.id}"):
        page.goto(live_server.at(path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"

    # The keyboard alone: search, use the first article, complete.
    page.goto(live_server.at(f"/console/requests/{open_request.id}"))
    page.get_by_label("Search articles").focus()
    page.keyboard.type("fridge")
    page.keyboard.press("Enter")
    use = page.get_by_role("button", name=re.compile("^Use ")).first
    use.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Articles used")).to_be_visible()
    page.get_by_label("Notes").focus()
    page.keyboard.press("Tab")  # to Complete
    expect(page.get_by_role("button", name="Complete")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is complete")
