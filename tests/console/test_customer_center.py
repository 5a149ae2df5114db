"""The customer information center: search rules, each widget under each filter
against tickets in every state, reminders and escalation on the injected clock
(business hours included), and each agent's saved layout."""

from __future__ import annotations

import re

import pytest

from ringback.tickets.dashboard import Scope, TicketDashboard
from ringback.tickets.desk import SYSTEM
from ringback.tickets.sla import QueueSla
from tests.console.conftest import csrf_from, signed_in
from tests.tickets.conftest import at

AGENT = "tess@example.com"
FRIDAY_LATE = "2027-01-15T16:30:00+01:00"   # 60 business minutes: due Monday 08:30
SATURDAY = "2027-01-16T12:00:00+01:00"
MONDAY = "2027-01-18T09:00:00+01:00"


@pytest.fixture
def tess(people):
    return people.agent(AGENT, permissions=["tickets"], password=None)


@pytest.fixture
def client(app, services, tess):
    return signed_in(app, services, tess)


@pytest.fixture
def world(services, clock, tess):
    """Acme (Ada, Bob) with a ticket in every state, and one of another customer."""
    services.queue_slas.put("support", QueueSla.from_json({
        "first_response_minutes": 60, "time_zone": "Europe/Berlin",
        "business_hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu",
                                                             "fri")}}))
    services.my_queues.choose(tess.id, ["sales"])
    directory, desk = services.customers, services.ticket_desk
    acme = directory.create_customer({"name": "Acme"})
    other = directory.create_customer({"name": "Globex"})
    ada = directory.create_user({"customer_id": acme.id, "name": "Ada",
                                 "phones": ["+49 30 1234567"]})
    bob = directory.create_user({"customer_id": acme.id, "name": "Bob",
                                 "email": "bob@acme.example"})
    gus = directory.create_user({"customer_id": other.id, "name": "Gus",
                                 "email": "gus@globex.example"})
    clock.set(at(FRIDAY_LATE))

    def ticket(name, user, queue, state="new", until=None, lock=False):
        body = {"subject": name, "customer_user_id": user.id, "queue": queue,
                "requester": "x@example.com"}
        made = desk.create({**body, "state": state,
                            **({"pending_until": until} if until else {})}
                           if not state.startswith("closed") else body, SYSTEM)
        if state.startswith("closed"):
            desk.update(made.id, {"state": state}, SYSTEM)
        if lock:
            desk.lock(made.id, tess.id, SYSTEM)
        return made.number

    numbers = {
        "new_locked": ticket("Escalating", ada, "support", lock=True),
        "new_sales": ticket("New in sales", bob, "sales"),
        "open_mine": ticket("Open and mine", ada, "sales", "open", lock=True),
        "open_billing": ticket("Open in billing", bob, "billing", "open"),
        "reminder_due": ticket("Call back Saturday", ada, "sales", "pending reminder",
                               "2027-01-16T10:00:00+01:00"),
        "reminder_later": ticket("Call back later", bob, "billing", "pending reminder",
                                 "2027-01-25T10:00:00+01:00"),
        "auto_close": ticket("Closing soon", ada, "sales", "pending auto-close",
                             "2027-01-25T10:00:00+01:00"),
        "closed_ok": ticket("Done", ada, "sales", "closed successful"),
        "closed_bad": ticket("Given up", bob, "sales", "closed unsuccessful"),
        "globex": ticket("Other company", gus, "sales", lock=True),
    }
    return {"acme": acme, "ada": ada, "bob": bob, "numbers": numbers}


def monday(app, services, tess):
    """Sessions idle out over a weekend: a fresh session on Monday morning."""
    services.clock.set(at(MONDAY))
    return signed_in(app, services, tess)


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def widget(html: str, name: str) -> str:
    start = html.index(f'id="w-{name}"')
    return html[start:html.index("</li>", start)]


def counts_shown(section: str) -> dict[str, int]:
    return {f: int(n) for f, n in re.findall(r'data-filter="(\w+)">[^<(]*\((\d+)\)', section)}


def shown_numbers(section: str) -> set[str]:
    return set(re.findall(r'href="/console/tickets/\d+">(\d+)</a>', section))


# -- search ---------------------------------------------------------------------------


def test_search_needs_two_letters(client, world):
    for q in ("a", " b ", "*", "a*", "*a*"):
        html = page(client, f"/console/customers?q={q}", 422)
        assert 'class="field-error"' in html and "at least two letters" in html, q


def test_search_wildcards_and_double_star(client, world):
    html = page(client, "/console/customers?q=ac*")
    assert ">Acme</a>" in html and ">Globex</a>" not in html
    assert ">Acme</a>" not in page(client, "/console/customers?q=me*")   # anchored
    assert ">Acme</a>" in page(client, "/console/customers?q=*me")
    assert ">Acme</a>" in page(client, "/console/customers?q=cm")        # part, no star
    everyone = page(client, "/console/customers?q=**")
    assert ">Acme</a>" in everyone and ">Globex</a>" in everyone
    people = page(client, "/console/customers?q=bob")
    assert ">Bob</a>" in people and ">Ada</a>" not in people
    assert ">Ada</a>" in page(client, "/console/customers?q=%2B49 30 1234567")


# -- widgets ----------------------------------------------------------------------------


def test_each_widget_and_filter_of_the_customer(app, services, world, tess):
    client = monday(app, services, tess)
    n = world["numbers"]
    base = f"/console/customers/{world['acme'].id}"
    html = page(client, base)
    expected = {"reminder": {"locked": 0, "queues": 1, "all": 1},
                "escalated": {"locked": 1, "queues": 0, "all": 1},
                "new": {"locked": 1, "queues": 1, "all": 2},
                "open": {"locked": 1, "queues": 1, "all": 2}}
    for name, counts in expected.items():
        assert counts_shown(widget(html, name)) == counts, name
    assert shown_numbers(widget(html, "reminder")) == {n["reminder_due"]}
    assert shown_numbers(widget(html, "escalated")) == {n["new_locked"]}
    assert shown_numbers(widget(html, "new")) == {n["new_locked"], n["new_sales"]}
    assert shown_numbers(widget(html, "open")) == {n["open_mine"], n["open_billing"]}
    filtered = page(client, base + "?new=locked&open=queues&reminder=locked&escalated=queues")
    assert shown_numbers(widget(filtered, "new")) == {n["new_locked"]}
    assert shown_numbers(widget(filtered, "open")) == {n["open_mine"]}
    assert shown_numbers(widget(filtered, "reminder")) == set()
    assert shown_numbers(widget(filtered, "escalated")) == set()
    assert shown_numbers(widget(page(client, base + "?new=queues"), "new")) == {n["new_sales"]}


def test_sidebar_status_and_customer_users_counts(app, services, world, tess):
    client = monday(app, services, tess)
    html = page(client, f"/console/customers/{world['acme'].id}")
    status = dict(re.findall(r"<dt>([A-Z][a-z -]+)</dt><dd><a href=\"[^\"]*\">(\d+)</a>", html))
    assert status == {"New": "2", "Open": "2", "Pending reminder": "2",
                      "Pending auto-close": "1", "Closed successful": "1",
                      "Closed unsuccessful": "1"}
    users = widget(html, "customer_users")
    ada, bob = world["ada"], world["bob"]
    assert ">4 open tickets of Ada<" not in users   # counts are the links' text
    assert re.search(r'aria-label="4 open tickets of Ada">4<', users)
    assert re.search(r'aria-label="1 closed tickets of Ada">1<', users)
    assert re.search(r'aria-label="3 open tickets of Bob">3<', users)
    assert f"/console/tickets/new/phone?customer_user_id={ada.id}" in users
    assert f"/console/tickets/new/email?customer_user_id={bob.id}" in users
    assert "_" not in re.sub(r'(href|id|class|name|value|data-[a-z-]+|for|aria-[a-z]+)="[^"]*"',
                             "", users)
    assert "+49 30 1234567" in users and "+49301234567" not in html   # as people write it


def test_reminder_and_escalation_follow_the_clock_and_business_hours(world, services, clock,
                                                                     tess):
    board = TicketDashboard(services.db, clock, services.ticket_listing)
    scope = Scope(customer_id=world["acme"].id)
    clock.set(at("2027-01-16T09:00:00+01:00"))      # Saturday before the reminder
    counts = board.counts(scope, tess.id, ["sales"])
    assert counts["reminder"]["all"] == 0 and counts["escalated"]["all"] == 0
    clock.set(at(SATURDAY))   # reminder due; 17:30 wall clock passed, business hours not
    counts = board.counts(scope, tess.id, ["sales"])
    assert counts["reminder"]["all"] == 1 and counts["escalated"]["all"] == 0
    clock.set(at("2027-01-18T08:29:00+01:00"))
    assert board.counts(scope, tess.id, [])["escalated"]["all"] == 0
    clock.set(at("2027-01-18T08:31:00+01:00"))
    assert board.counts(scope, tess.id, [])["escalated"]["all"] == 1


def test_customer_user_center_shows_only_that_users_tickets(app, services, world, tess):
    client = monday(app, services, tess)
    n = world["numbers"]
    html = page(client, f"/console/customers/users/{world['ada'].id}?call=live-7")
    assert 'id="w-customer_users"' not in html
    assert shown_numbers(widget(html, "new")) == {n["new_locked"]}
    assert shown_numbers(widget(html, "open")) == {n["open_mine"]}
    assert counts_shown(widget(html, "reminder")) == {"locked": 0, "queues": 1, "all": 1}
    assert "call=live-7" in html and "live-7<" not in html


# -- layout ----------------------------------------------------------------------------


def order_of(html: str) -> list[str]:
    return re.findall(r'<li class="widget card" id="w-(\w+)"', html)


def layout_post(client, path: str, **fields):
    token = csrf_from(page(client, path))
    return client.post("/console/customers/layout", data={"csrf_token": token, "next": path,
                                                           **fields})


def test_layout_is_saved_per_agent(app, services, client, world, people):
    path = f"/console/customers/{world['acme'].id}"
    assert order_of(page(client, path)) == ["customer_users", "reminder", "escalated", "new",
                                            "open"]
    response = layout_post(client, path, action="up", widget="open")
    assert response.status_code == 302 and response.headers["Location"] == path + "#w-open"
    layout_post(client, path, action="close", widget="reminder")
    mine = page(client, path)
    assert order_of(mine) == ["customer_users", "escalated", "open", "new"]
    assert "Show all widgets" in mine
    other = signed_in(app, services, people.agent("otto@example.com", permissions=["tickets"],
                                                  password=None))
    assert order_of(page(other, path)) == ["customer_users", "reminder", "escalated", "new",
                                           "open"]
    layout_post(client, path, action="show_all")
    assert order_of(page(client, path)) == ["customer_users", "reminder", "escalated", "open",
                                            "new"]


def test_layout_comes_back_in_a_new_session_and_on_the_user_center(app, services, client,
                                                                    world, tess):
    path = f"/console/customers/{world['acme'].id}"
    layout_post(client, path, action="down", widget="customer_users")
    layout_post(client, path, action="close", widget="escalated")
    later = signed_in(app, services, tess)   # another browser, another day
    assert order_of(page(later, path)) == ["reminder", "customer_users", "new", "open"]
    center = page(later, f"/console/customers/users/{world['ada'].id}")
    assert order_of(center) == ["reminder", "new", "open"]
    assert "Closed: Escalated" in center


def test_drag_and_drop_order_is_posted_as_json(client, world):
    path = f"/console/customers/{world['acme'].id}"
    token = csrf_from(page(client, path))
    response = client.post("/console/customers/layout",
                           data={"action": "order", "order": "open,new,customer_users"},
                           headers={"Accept": "application/json", "X-CSRF-Token": token})
    assert response.status_code == 200
    assert response.get_json()["order"][:3] == ["open", "new", "customer_users"]
    assert order_of(page(client, path))[:3] == ["open", "new", "customer_users"]
    bad = client.post("/console/customers/layout", data={"action": "order", "order": "x"},
                      headers={"Accept": "application/json", "X-CSRF-Token": token})
    assert bad.status_code == 422


def test_layout_post_returns_only_to_the_center(client, world):
    path = f"/console/customers/{world['acme'].id}"
    token = csrf_from(page(client, path))
    response = client.post("/console/customers/layout", data={
        "csrf_token": token, "next": "https://evil.example/", "action": "show_all"})
    assert response.headers["Location"] == "/console/customers"


def test_add_customer_user_from_an_unknown_number(client, services):
    path = "/console/customers/users/new?phone=%2B442071838750"
    html = page(client, path)
    assert 'value="+442071838750"' in html
    token = csrf_from(html)
    response = client.post("/console/customers/users/new", data={
        "csrf_token": token, "name": "Nia", "phone": "+442071838750", "email": "",
        "customer_name": "Nia's Bakery"})
    assert response.status_code == 302
    [match] = services.customers.find_by_phone("+44 20 7183 8750")
    assert (match.name, match.customer_name) == ("Nia", "Nia's Bakery")
