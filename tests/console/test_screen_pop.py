"""The screen pop: the caller of the call offered to the agent shows on the board,
accepting a call opens the caller's page, one match / several / an unknown
number each lead where the agent needs to go, and taken calls land on the
caller's timeline the same for every agent."""

from __future__ import annotations

import html

import pytest

from ringback.numbers import NumberDirectory
from ringback.routing.urls import OfferTag
from tests.console.conftest import AGENT_PASSWORD, log_in
from tests.console.test_live_board import (
    BUSINESS,
    QUEUE,
    join,
    post_on_board,
    with_phone,
)

CLARA = "+4915112345678"


@pytest.fixture(autouse=True)
def number(services) -> None:
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": QUEUE})


@pytest.fixture
def people_on_file(services):
    customers = services.customers
    acme = customers.create_customer({"name": "Acme"})
    clara = customers.create_user({"customer_id": acme.id, "name": "Clara Caller",
                                   "phones": ["+49 151 12345678"]})
    family = customers.create_customer({"name": "Family Doe"})
    for name in ("Jane Doe", "John Doe"):
        customers.create_user({"customer_id": family.id, "name": name,
                               "phones": ["+4930555123"]})
    return clara


def offered(services, owner, caller: str):
    owner = with_phone(services, owner)
    entry = join(services, caller)
    services.routing.presence.set(owner.id, "available", [QUEUE])
    assert services.queue.get(QUEUE, entry.entry_id).offered_to == str(owner.id)
    return entry


def test_the_board_names_the_caller_of_the_call_offered_to_me(owner_client, services, owner,
                                                              people_on_file):
    offered(services, owner, CLARA)
    board = html.unescape(owner_client.get("/console/live/board").get_data(as_text=True))
    assert "Caller: Clara Caller (Acme)" in board
    assert f"/console/caller?phone=%2B4915112345678&amp;call={QUEUE}" in \
        owner_client.get("/console/live/board").get_data(as_text=True)


@pytest.mark.parametrize(("caller", "words"), [
    ("+4930555123", "2 customer users have this number"),
    ("+4930999000", "a number no customer user has")])
def test_several_or_no_customer_users_are_said_as_such(owner_client, services, owner,
                                                        people_on_file, caller, words):
    offered(services, owner, caller)
    assert words in html.unescape(owner_client.get("/console/live/board").get_data(
        as_text=True))


def test_accepting_a_call_opens_the_callers_page_with_the_call(owner_client, services, owner,
                                                               people_on_file):
    entry = offered(services, owner, "+4930555123")
    ref = f"{QUEUE}:{entry.entry_id}"
    response = post_on_board(owner_client, f"/console/live/offers/{ref}/accept")
    assert response.status_code == 302
    assert "/console/caller?phone=%2B4930555123" in response.location
    page = owner_client.get(response.location).get_data(as_text=True)
    assert "Several customer users have this number" in page
    assert "Jane Doe" in page and "John Doe" in page
    assert f"live call in {QUEUE}" in page


def test_one_match_opens_the_user_center_and_an_unknown_number_a_new_phone_ticket(
        owner_client, people_on_file):
    one = owner_client.get("/console/caller?phone=%2B4915112345678&call=support:x1")
    assert one.status_code == 302
    assert one.location.endswith(
        f"/console/customers/users/{people_on_file.id}?call=support:x1")
    unknown = owner_client.get("/console/caller?phone=%2B4930999000&call=support:x2")
    assert unknown.status_code == 302 and "/console/tickets/new/phone" in unknown.location
    form = owner_client.get(unknown.location).get_data(as_text=True)
    assert "+4930999000" in form and "Add customer user" in form


def test_the_callers_page_needs_the_tickets_permission(app, people):
    people.agent("queue@example.com", permissions=["live_queue"])
    client = app.test_client()
    log_in(client, "queue@example.com", AGENT_PASSWORD)
    assert client.get("/console/caller?phone=%2B4930999000").status_code == 403


def test_an_answered_call_lands_on_the_callers_timeline_once(owner_client, services, owner,
                                                             people_on_file):
    entry = offered(services, owner, CLARA)
    live = services.routing.live
    tag = OfferTag.of_entry(services.queue.get(QUEUE, entry.entry_id))
    assert tag is not None and live.answered(tag) is not None
    assert live.answered(tag) is not None  # the whisper fetched again: still one row
    (item,) = services.call_timeline.for_numbers([CLARA])
    assert (item.what, item.queue_id, item.detail) == (
        "Live call taken", QUEUE, "by Olivia Owner")
    center = owner_client.get(f"/console/customers/users/{people_on_file.id}")
    assert "Live call taken in support, by Olivia Owner" in center.get_data(as_text=True)


def test_a_callback_and_its_expiry_ticket_show_on_the_timeline_of_the_number_called_back(
        services, people_on_file, owner_client):
    entry = join(services, "+4930111222")
    asked = services.callbacks.request(QUEUE, entry.entry_id, CLARA)
    ref = f"{QUEUE}:{asked.entry_id}"
    services.callback_records.ensure(asked)
    services.callback_records.mark_expired(ref, "T-42")
    (item,) = services.call_timeline.for_numbers([CLARA])
    assert (item.what, item.queue_id) == ("Callback asked for", QUEUE)
    assert "ticket T-42" in item.detail
    assert services.call_timeline.for_numbers(["+4930555123"]) == []
    center = owner_client.get(f"/console/customers/users/{people_on_file.id}")
    assert "Callback asked for in support, expired; ticket T-42" in center.get_data(as_text=True)


def test_accepting_a_known_callers_call_pops_their_center_with_the_call(
        owner_client, services, owner, people_on_file):
    entry = offered(services, owner, CLARA)
    ref = f"{QUEUE}:{entry.entry_id}"
    accepted = post_on_board(owner_client, f"/console/live/offers/{ref}/accept")
    popped = owner_client.get(accepted.location)
    assert popped.status_code == 302  # the caller's page sends on to the one match
    center = owner_client.get(popped.location).get_data(as_text=True)
    assert "Clara Caller" in center
    assert f"On the line now: live call from {CLARA} in {QUEUE}" in center


def test_with_znuny_chosen_the_user_center_also_opens_znunys_own_center(
        app, services, owner_client, people_on_file):
    center = f"/console/customers/users/{people_on_file.id}"
    assert "Open in Znuny" not in owner_client.get(center).get_data(as_text=True)
    services.customers.update_user(people_on_file.id, {"email": "clara@acme.example"})
    s = app.extensions["ringback"]
    s.settings = s.settings.with_changes(znuny_url="https://desk.acme.example",
                                         znuny_webservice="Ringback", znuny_user="bot",
                                         znuny_password="secret",
                                         znuny_customer_user="phone-callers")
    s.__dict__.pop("helpdesk_outbox", None)
    assert s.helpdesk_outbox.choose("znuny")
    page = owner_client.get(center).get_data(as_text=True)
    assert ("https://desk.acme.example/otrs/index.pl?Action=AgentCustomerInformationCenter;"
            "CustomerUserID=clara%40acme.example") in html.unescape(page)
