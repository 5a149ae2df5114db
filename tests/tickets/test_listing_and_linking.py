"""Ticket views (filters, sort, paging, counts, my queues) and the TicketSink's
tickets linked to the caller's customer user by number."""

from __future__ import annotations

import pytest

from ringback.callbacks.ticket import SUBJECT
from ringback.errors import ValidationError
from ringback.tickets.sla import QueueSla


@pytest.fixture
def listing(services):
    return services.ticket_listing


@pytest.fixture
def filed(desk, agents, clock):
    """Five tickets over two queues, one second apart."""
    ana, ben = agents["ana"], agents["ben"]
    made = {}
    for name, queue, prio in (("a", "support", 3), ("b", "support", 5), ("c", "sales", 1),
                              ("d", "sales", 4), ("e", None, 2)):
        made[name] = desk.create({"subject": name, "requester": "+442071838750",
                                  "queue": queue, "priority": prio}, ana).id
        clock.advance(1)
    desk.update(made["b"], {"state": "open", "owner_agent_id": ben.agent_id}, ana)
    desk.lock(made["d"], ana.agent_id, ana)
    desk.update(made["e"], {"state": "closed successful"}, ana)
    return made


def ids(page):
    return [t.id for t in page.items]


def test_filters_combine(listing, filed, agents):
    f = filed
    assert ids(listing.page({"queue": "support"})) == [f["b"], f["a"]]
    assert ids(listing.page({"queue": "support,sales", "state": "new"})) == \
        [f["d"], f["c"], f["a"]]
    assert ids(listing.page({"owner_agent_id": str(agents["ben"].agent_id)})) == [f["b"]]
    assert ids(listing.page({"locked_by_agent_id": str(agents["ana"].agent_id)})) == [f["d"]]
    assert ids(listing.page({"locked_by_agent_id": "none", "queue": "sales"})) == [f["c"]]
    assert ids(listing.page({"state": "closed successful"})) == [f["e"]]


def test_sort_and_paging(listing, filed):
    page = listing.page({"sort": "-priority", "limit": "2", "offset": "1"})
    assert ids(page) == [filed["d"], filed["a"]]
    assert (page.total, page.limit, page.offset) == (5, 2, 1)
    assert ids(listing.page({"sort": "priority"}))[0] == filed["c"]


def test_counts_by_state_under_the_other_filters(listing, filed):
    counts = listing.counts({"queue": "support", "state": "open"})  # state is ignored
    assert counts["new"] == 1 and counts["open"] == 1
    assert counts["closed successful"] == 0
    assert sum(listing.counts({}).values()) == 5


def test_bad_filters_name_their_fields(listing):
    with pytest.raises(ValidationError) as refused:
        listing.page({"state": "solved", "queue": "a b", "owner_agent_id": "2147483648",
                      "sort": "colour", "limit": "0", "escalated": "maybe"})
    assert set(refused.value.errors) == {"state", "queue", "owner_agent_id", "sort", "limit",
                                         "escalated"}


def test_my_queues_narrow_the_list(services, listing, filed, agents):
    ana = agents["ana"].agent_id
    assert services.my_queues.of(ana) == []
    assert services.my_queues.choose(ana, ["sales", "sales"]) == ["sales"]
    assert ids(listing.page({}, services.my_queues.of(ana))) == [filed["d"], filed["c"]]
    with pytest.raises(ValidationError) as refused:
        services.my_queues.choose(ana, ["ok", "not ok"])
    assert "queues.1" in refused.value.errors


# -- the TicketSink's tickets --------------------------------------------------------


@pytest.fixture
def people(services):
    directory = services.customers
    acme = directory.create_customer({"name": "Acme"})
    home = directory.create_customer({"name": "The Smiths"})
    solo = directory.create_user({"customer_id": acme.id, "name": "Ann",
                                  "phones": ["+442071838750"]})
    for name in ("John", "Jane"):  # a family line: two people, one number
        directory.create_user({"customer_id": home.id, "name": name,
                               "phones": ["+4930901820"]})
    return {"acme": acme.id, "ann": solo.id}


def file_callback(services, caller: str):
    """As the callback expiry files its ticket (tests/callbacks/test_expiry.py runs it)."""
    return services.tickets.create_ticket(
        idempotency_key=f"callback:support:{caller}", subject=SUBJECT, requester=caller,
        description="expired", data={"queue": "support", "callback_number": caller})


def test_a_callback_ticket_gets_the_one_customer_user_with_the_callers_number(
        services, people):
    ref = file_callback(services, "+44 20 7183 8750")
    ticket = services.ticket_desk.get(ref.id)
    assert (ticket.customer_user_id, ticket.customer_id) == (people["ann"], people["acme"])
    assert (ticket.state, ticket.queue, ticket.subject) == ("new", "support", "Callback")
    comment = services.tickets.add_comment(ref.id, body="Callback attempted: busy",
                                           internal=True, idempotency_key="att-1")
    got = services.ticket_desk.get(ref.id)
    assert [(c.id, c.kind, c.internal) for c in got.comments] == [(comment.id, "note", True)]
    assert got.customer_user_id == people["ann"]


def test_a_number_shared_by_several_or_nobody_links_no_customer_user(services, people):
    for caller in ("+4930901820", "+4915112345678"):
        ticket = services.ticket_desk.get(file_callback(services, caller).id)
        assert (ticket.customer_user_id, ticket.customer_id) == (None, None)


def test_a_callback_ticket_gets_its_queues_sla(services, clock):
    services.queue_slas.put("support", QueueSla.from_json({"first_response_minutes": 15}))
    ticket = services.ticket_desk.get(file_callback(services, "+4915112345678").id)
    assert ticket.first_response_due is not None
    assert (ticket.first_response_due - ticket.created_at).total_seconds() == 15 * 60
    assert [h.field for h in services.ticket_desk.history(ticket.id)] == ["created"]


def test_removing_the_customer_user_keeps_the_ticket_without_the_link(services, people):
    ref = file_callback(services, "+442071838750")
    services.customers.delete_user(people["ann"])
    ticket = services.ticket_desk.get(ref.id)
    assert (ticket.customer_user_id, ticket.customer_id) == (None, people["acme"])
    assert services.ticket_listing.page({"customer_id": str(people["acme"])}).total == 1
