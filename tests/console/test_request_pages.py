"""Requests in the console: a "report a problem" call opens the form on an action request
with the caller filled in, Save logs the contact, the request page asks for its type's
sections in the agent's words, and the volume report counts and exports."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from ringback.numbers import NumberDirectory
from ringback.queue.models import Intent, NewEntry
from ringback.work_orders.demo import demo_problem_codes
from tests.console.conftest import csrf_from, signed_in
from tests.console.test_live_board import BUSINESS, QUEUE, post_on_board, with_phone

ANA = "+4930123456"


@pytest.fixture
def ana(services):
    family = services.customers.create_customer({"name": "Silva household"})
    return services.customers.create_user({"customer_id": family.id, "name": "Ana Silva",
                                           "phones": [ANA]})


@pytest.fixture
def agent_client(app, services, people):
    ben = people.agent("ben@example.com", permissions=["live_queue", "requests", "tickets"],
                       password=None)
    return signed_in(app, services, ben), ben


def post_form(client, page: str, target: str, **fields):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(target, data={"csrf_token": token, **fields})


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_report_a_problem_call_opens_the_request_form_on_an_action_request(
        services, agent_client, ana):
    client, ben = agent_client
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": QUEUE})
    with_phone(services, ben)
    entry = services.queue.join(QUEUE, NewEntry(call_sid="CA1", caller=ANA, dialled=BUSINESS,
                                                intent=Intent.PROBLEM))
    services.routing.presence.set(ben.id, "available", [QUEUE])
    ref = f"{QUEUE}:{entry.entry_id}"
    board = text(client.get("/console/live/board"))
    assert "Caller: Ana Silva (Silva household)" in board
    accepted = post_on_board(client, f"/console/live/offers/{ref}/accept")
    assert accepted.status_code == 302
    assert "/console/requests/new?" in accepted.location and "type=action" in accepted.location
    form = text(client.get(accepted.location))
    assert "Caller: <strong>Ana Silva</strong> of Silva household" in form
    assert 'value="action" checked' in form
    saved = post_form(client, accepted.location, "/console/requests/new", type="action",
                      channel="phone", phone=ANA, call=ref, customer_user_id=str(ana.id))
    assert saved.status_code == 302
    (row,) = services.service_requests.list({}).items
    assert (row.type, row.customer_user_id, row.call_ref, row.queue_id, row.agent_id) == (
        "action", ana.id, ref, QUEUE, ben.id)
    assert saved.location.endswith(f"/console/requests/{row.id}")


def test_completing_without_the_sections_says_what_is_missing_in_the_agents_words(
        services, agent_client, ana):
    client, ben = agent_client
    demo_problem_codes(services.problem_codes)
    row = services.service_requests.save({"type": "action"}, ben.id).request
    page = f"/console/requests/{row.id}"
    refused = post_form(client, page, page, action="complete", address="", description="")
    assert refused.status_code == 422
    body = text(refused)
    assert 'role="alert"' in body
    assert "Problem code</a>: an action request needs a problem code" in body
    assert "Location or address</a>: an action request needs the location" in body
    banner = re.sub(r"<[^>]+>", "", body.split('role="alert"')[1].split(">", 1)[1]
                    .split("</div>")[0])
    assert "problem_code_id" not in banner  # the labels the agent sees, not field keys
    typed = post_form(client, page, page, action="complete", problem_code_text="Appliance pickup",
                      address="12 Elm Street")
    assert typed.status_code == 302
    done = services.service_requests.get(row.id).request
    assert done.complete and done.work_order_id is not None
    shown = text(client.get(page))
    assert "Work order" in shown and "Complete" in shown


def test_an_unknown_typed_problem_is_named(services, agent_client):
    client, ben = agent_client
    demo_problem_codes(services.problem_codes)
    row = services.service_requests.save({"type": "action"}, ben.id).request
    page = f"/console/requests/{row.id}"
    refused = post_form(client, page, page, action="save", problem_code_text="Dragons")
    assert refused.status_code == 422
    assert "no problem code matches “Dragons”" in text(refused)
    assert services.service_requests.get(row.id).request.problem_code_id is None


def test_information_request_uses_an_article_then_becomes_an_action_request(
        services, agent_client):
    client, ben = agent_client
    article = services.knowledge.create({"kind": "script", "title": "Appliance pickup",
                                         "body": "We collect fridges within five days."}, None)
    row = services.service_requests.save({"type": "information"}, ben.id).request
    page = f"/console/requests/{row.id}"
    found = text(client.get(page + "?q=fridges"))
    assert "Appliance pickup" in found and "used 0 times" in found
    post_form(client, page, f"{page}/articles", article_id=str(article.id), q="fridges")
    shown = text(client.get(page))
    assert "We collect fridges within five days." in shown
    assert post_form(client, page, page, action="complete").status_code == 302
    assert services.knowledge.get(article.id).usage_count == 1
    converted = post_form(client, page, f"{page}/convert")
    assert converted.status_code == 302
    after = text(client.get(page))
    assert "Action request" in after
    assert "Information request became Action request" in after
    assert "Articles read out" in after  # what was read out stays on the contact


def test_the_request_list_and_pages_need_the_requests_permission(app, services, people):
    other = people.agent("t@example.com", permissions=["tickets"], password=None)
    client = signed_in(app, services, other)
    assert client.get("/console/requests").status_code == 403
    assert client.get("/console/reports/request-volume").status_code == 403


def test_the_volume_page_counts_and_exports(services, agent_client, clock):
    client, ben = agent_client
    for kind in ("information", "action", "action", "remark"):
        services.service_requests.save({"type": kind}, ben.id)
    page = text(client.get("/console/reports/request-volume?period=month&by=type"))
    assert 'data-figure="total">4<' in page
    assert 'data-group="Action">2<' in page
    exported = client.get("/console/reports/request-volume?period=month&by=agent&format=csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0] == ["Month", "Agent", "Requests"]
    assert [r[1:] for r in rows[1:] if r[2] != "0"] == [["Ben", "4"]]
    assert len(rows) - 1 == len({r[0] for r in rows[1:]})  # one row per month of the range
    refused = client.get("/console/reports/request-volume?period=year&tz=Mars/Olympus")
    assert refused.status_code == 422
    assert "Per</a>: must be one of day, week, month" in text(refused)
    assert "Time zone</a>: must be a time zone" in text(refused)


def test_a_problem_already_reported_is_offered_to_link_and_the_details_stay(
        services, agent_client):
    client, ben = agent_client
    demo_problem_codes(services.problem_codes)
    log = services.service_requests
    first = log.save({"type": "action"}, ben.id).request
    page = f"/console/requests/{first.id}"
    post_form(client, page, page, action="complete", problem_code_text="SW-APPL",
              address="12 Elm Street")
    order_id = log.get(first.id).request.work_order_id
    second = log.save({"type": "action"}, ben.id).request
    page = f"/console/requests/{second.id}"
    half = post_form(client, page, page, action="complete", problem_code_text="SW-APPL")
    assert half.status_code == 422
    assert "Saved, but not complete yet:" in text(half)
    assert log.get(second.id).request.problem_code_id is not None  # kept
    asked = post_form(client, page, page, action="complete", address="12 elm st")
    assert asked.status_code == 409
    body = text(asked)
    assert "Already reported nearby." in body and 'name="work_order" value="new"' in body
    assert log.get(second.id).request.work_order_id is None
    linked = post_form(client, page, page, action="complete", work_order=str(order_id))
    assert linked.status_code == 302
    assert log.get(second.id).request.work_order_id == order_id
    assert services.work_orders.page().total == 1
    assert "It is linked to work order" in text(client.get(page))


def test_the_request_list_names_each_customer_user(services, agent_client, ana):
    client, ben = agent_client
    services.service_requests.save({"type": "remark", "customer_user_id": ana.id}, ben.id)
    services.service_requests.save({"type": "remark", "caller_number": "+4930999000"}, ben.id)
    page = text(client.get("/console/requests"))
    assert "Ana Silva" in page and "+4930999000" in page
    assert services.customers.user_names([ana.id, 424242]) == {ana.id: "Ana Silva"}
