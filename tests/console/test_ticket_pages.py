"""The ticket pages: the list's filters, the zoom (lock, unlock, state, notes) and
the new phone ticket form, prefilled from a customer user or an unknown number.
Driven through the Flask test client on a real database."""

from __future__ import annotations

import re

import pytest

from ringback.tickets.desk import Actor
from tests.console.conftest import csrf_from, signed_in

AGENT = "tess@example.com"


@pytest.fixture
def tess(people):
    return people.agent(AGENT, permissions=["tickets"], password=None)


@pytest.fixture
def client(app, services, tess):
    return signed_in(app, services, tess)


@pytest.fixture
def customer_user(services):
    company = services.customers.create_customer({"name": "Acme"})
    return services.customers.create_user({"customer_id": company.id, "name": "Ada Lovelace",
                                           "phones": ["+49 30 1234567"]})


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def post(client, page_path: str, action: str, status: int = 302, **fields):
    token = csrf_from(page(client, page_path))
    response = client.post(action, data={"csrf_token": token, **fields})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def numbers(html: str) -> list[str]:
    return re.findall(r'href="/console/tickets/\d+">(\d+)</a>', html)


def test_list_filters_by_state_queue_search_and_mine(client, services, tess):
    desk = services.ticket_desk
    system = Actor(None, True)
    a = desk.create({"subject": "Printer on fire", "requester": "a@example.com",
                     "queue": "support"}, system)
    b = desk.create({"subject": "Invoice question", "requester": "b@example.com",
                     "queue": "sales", "state": "open"}, system)
    c = desk.create({"subject": "Another printer", "requester": "c@example.com",
                     "queue": "support", "state": "open"}, system)
    desk.lock(c.id, tess.id, system)
    services.my_queues.choose(tess.id, ["sales"])
    assert set(numbers(page(client, "/console/tickets"))) == {a.number, b.number, c.number}
    assert numbers(page(client, "/console/tickets?state=new")) == [a.number]
    assert set(numbers(page(client, "/console/tickets?queue=support"))) == {a.number, c.number}
    assert set(numbers(page(client, "/console/tickets?q=PRINTER"))) == {a.number, c.number}
    assert numbers(page(client, f"/console/tickets?q={b.number}")) == [b.number]
    assert numbers(page(client, "/console/tickets?mine=locked")) == [c.number]
    assert numbers(page(client, "/console/tickets?mine=queues")) == [b.number]
    assert numbers(page(client, "/console/tickets?sort=created_at"))[0] == a.number
    html = page(client, "/console/tickets?state=pending_reminder", 422)
    assert "must be one of" in html


def test_list_filters_by_owner_and_says_when_no_queues_are_chosen(client, services, tess,
                                                                    people):
    desk, system = services.ticket_desk, Actor(None, True)
    otto = people.agent("otto@example.com", permissions=["tickets"], password=None)
    mine = desk.create({"subject": "Mine", "requester": "a@example.com",
                        "owner_agent_id": tess.id}, system)
    ottos = desk.create({"subject": "Otto's", "requester": "a@example.com",
                         "owner_agent_id": otto.id}, system)
    nobodys = desk.create({"subject": "Nobody's", "requester": "a@example.com"}, system)
    html = page(client, f"/console/tickets?owner_agent_id={otto.id}")
    assert numbers(html) == [ottos.number]
    assert f'<option value="{otto.id}" selected>Otto</option>' in html
    assert numbers(page(client, f"/console/tickets?owner_agent_id={tess.id}")) == [mine.number]
    assert numbers(page(client, "/console/tickets?owner_agent_id=none")) == [nobodys.number]
    assert "not chosen your queues" not in page(client, "/console/tickets")
    empty = page(client, "/console/tickets?mine=queues")
    assert numbers(empty) == [] and "not chosen your queues" in empty
    assert 'href="/console/account"' in empty


def test_list_pages(client, services):
    for n in range(27):
        services.ticket_desk.create({"subject": f"T{n}", "requester": "a@example.com"},
                                    Actor(None, True))
    first = page(client, "/console/tickets")
    assert len(numbers(first)) == 25 and "Page 1 of 2" in first
    assert len(numbers(page(client, "/console/tickets?page=2"))) == 2


def test_zoom_lock_state_note_and_unlock(client, services, tess):
    t = services.ticket_desk.create({"subject": "Broken phone", "requester": "a@example.com",
                                     "queue": "support"}, Actor(None, True))
    zoom = f"/console/tickets/{t.id}"
    html = page(client, zoom)
    assert "Broken phone" in html and "Lock to me" in html
    post(client, zoom, f"{zoom}/lock")
    assert services.ticket_desk.get(t.id).locked_by_agent_id == tess.id
    assert "locked by Tess" in page(client, zoom)
    post(client, zoom, f"{zoom}/change", state="open", queue="support", owner_agent_id="",
         priority="5")
    after = services.ticket_desk.get(t.id)
    assert (after.state, after.priority) == ("open", 5)
    post(client, zoom, f"{zoom}/articles", kind="note", body="Called the printer vendor")
    html = page(client, zoom)
    assert "Called the printer vendor" in html and "internal" in html
    assert "Pending reminder" in html and "pending_reminder" not in html
    post(client, zoom, f"{zoom}/change", status=422, state="pending reminder",
         pending_until="")
    post(client, zoom, f"{zoom}/unlock")
    assert services.ticket_desk.get(t.id).locked_by_agent_id is None
    history = page(client, zoom)
    assert "Tess" in history and "Priority" in history


def test_zoom_history_names_people_not_ids(client, services, customer_user):
    desk, system = services.ticket_desk, Actor(None, True)
    t = desk.create({"subject": "Who is it", "requester": "a@example.com"}, system)
    desk.update(t.id, {"customer_user_id": customer_user.id, "priority": 5,
                       "state": "pending reminder", "pending_until": "2099-01-01T10:00:00Z"},
                system)
    html = page(client, f"/console/tickets/{t.id}")
    rows = re.findall(r"<tr><td class=\"nowrap\">.*?</tr>", html)
    changed = {re.findall(r"<td>(.*?)</td>", row)[0]: re.findall(r"<td>(.*?)</td>", row)[1:3]
               for row in rows}
    assert changed["Customer user"] == ["—", "Ada Lovelace"]
    assert changed["Customer"] == ["—", "Acme"]
    assert changed["Priority"] == ["3 normal", "5 very high"]
    assert changed["Pending until"] == ["—", "2099-01-01 10:00 UTC"]


def test_zoom_refuses_a_ticket_locked_by_someone_else(client, services, people):
    other = people.agent("otto@example.com", permissions=["tickets"], password=None)
    t = services.ticket_desk.create({"subject": "Busy", "requester": "a@example.com"},
                                    Actor(None, True))
    services.ticket_desk.lock(t.id, other.id, Actor(None, True))
    zoom = f"/console/tickets/{t.id}"
    response = post(client, zoom, f"{zoom}/articles", status=409, kind="note", body="Mine")
    assert "locked by Otto" in response.get_data(as_text=True)


def test_new_phone_ticket_prefilled_by_customer_user(client, services, customer_user, tess):
    path = f"/console/tickets/new/phone?customer_user_id={customer_user.id}"
    html = page(client, path)
    assert "Ada Lovelace" in html and "Acme" in html and "+49 30 1234567" in html
    assert f'name="customer_user_id" value="{customer_user.id}"' in html
    response = post(client, path, "/console/tickets/new/phone", subject="Router down",
                    body="The router blinks red", customer_user_id=str(customer_user.id),
                    state="open", priority="3", queue="", lock="on")
    ticket_id = int(response.headers["Location"].rsplit("/", 1)[1])
    made = services.ticket_desk.get(ticket_id)
    assert made.customer_user_id == customer_user.id
    assert made.locked_by_agent_id == tess.id and made.state == "open"
    assert [(a.kind, a.body) for a in made.comments] == [("phone", "The router blinks red")]


def test_new_phone_ticket_for_an_unknown_caller(client, services):
    html = page(client, "/console/tickets/new/phone?phone=%2B442071838750&call=live-1")
    assert 'value="+442071838750"' in html
    assert "Add customer user" in html and "/console/customers/users/new?phone=" in html
    response = post(client, "/console/tickets/new/phone", "/console/tickets/new/phone",
                    status=422, subject="Hi", body="", phone="+442071838750")
    assert "write what the caller wants" in response.get_data(as_text=True).lower()
    response = post(client, "/console/tickets/new/phone", "/console/tickets/new/phone",
                    subject="Hi", body="Wants a quote", phone="+44 20 7183 8750",
                    state="open")
    made = services.ticket_desk.get(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert made.requester == "+442071838750" and made.customer_user_id is None
    zoom = page(client, f"/console/tickets/{made.id}")
    assert "<dd>+44 20 7183 8750</dd>" in zoom   # the caller's number as people write it


def test_new_phone_ticket_for_a_known_number_is_the_customer_users(client, services,
                                                                    customer_user):
    path = "/console/tickets/new/phone?phone=030%201234567&call=live-2"
    assert "Nobody in the customer directory" in page(client, path)   # no country: unknown
    path = "/console/tickets/new/phone?phone=0049%2030%201234567&call=live-2"
    html = page(client, path)
    assert "Ada Lovelace" in html and "Nobody in the customer directory" not in html
    assert f'name="customer_user_id" value="{customer_user.id}"' in html
    response = post(client, path, "/console/tickets/new/phone", subject="Billing",
                    body="Asks about the bill", customer_user_id=str(customer_user.id),
                    phone="0049 30 1234567", state="open")
    made = services.ticket_desk.get(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (made.customer_user_id, made.requester) == (customer_user.id, "+49301234567")


def test_new_phone_ticket_for_a_shared_number_asks_whom(client, services, customer_user):
    ben = services.customers.create_user({"customer_id": customer_user.customer_id,
                                          "name": "Ben Lovelace", "phones": ["+49301234567"]})
    html = page(client, "/console/tickets/new/phone?phone=%2B49301234567")
    assert "2 customer users have the number" in html
    for who in (customer_user, ben):
        assert f"/console/tickets/new/phone?customer_user_id={who.id}" in html
    assert 'name="customer_user_id"' not in html   # nobody chosen for the agent


def test_ticket_pages_need_the_tickets_permission(app, services, people):
    client = signed_in(app, services, people.agent("bob@example.com", permissions=["bookings"],
                                                   password=None))
    t = services.ticket_desk.create({"subject": "Hidden", "requester": "a@example.com"},
                                    Actor(None, True))
    user = services.customers.create_user({"customer_id": services.customers.create_customer(
        {"name": "Acme"}).id, "name": "Ada"})
    for path in ("/console/tickets", f"/console/tickets/{t.id}", "/console/tickets/new/phone",
                 "/console/tickets/new/email", "/console/customers", "/console/customers?q=**",
                 f"/console/customers/{user.customer_id}", f"/console/customers/users/{user.id}",
                 "/console/customers/users/new", f"/console/customers/users/{user.id}/edit"):
        assert client.get(path).status_code == 403, path
    token = csrf_from(page(client, "/console/account"))
    for path, form in ((f"/console/tickets/{t.id}/lock", {}),
                       (f"/console/tickets/{t.id}/change", {"priority": "5"}),
                       (f"/console/tickets/{t.id}/articles", {"kind": "note", "body": "x"}),
                       ("/console/tickets/new/phone", {"subject": "x", "body": "x",
                                                       "phone": "+442071838750"}),
                       ("/console/customers/layout", {"action": "close", "widget": "new"}),
                       ("/console/customers/users/new", {"name": "Eve"})):
        assert client.post(path, data={"csrf_token": token, **form}).status_code == 403, path
    after = services.ticket_desk.get(t.id)
    assert (after.locked_by_agent_id, after.priority, after.comments) == (None, 3, ())
    menu = page(client, "/console/bookings")
    assert 'href="/console/customers"' not in menu and 'href="/console/tickets"' not in menu
