"""The live board's view model and pages: queues and entries in order, agent
states, the presence switch, Call and Decline as the signed-in agent, and
who may open what."""

from __future__ import annotations

import html
import re

import pytest
import redis

from ringback.agents import AgentDirectory
from ringback.console.live_board import LiveBoard, board_queue_ids
from ringback.numbers import NumberDirectory
from ringback.queue.models import AgentState, EntryKind, EntryState, NewEntry
from ringback.routing.presence import PresenceState
from ringback.store.models import Agent
from ringback.worker import make_worker
from tests.console.conftest import AGENT_PASSWORD, csrf_from, log_in

BUSINESS = "+4930123456"
QUEUE = "support"
PHONE = "+493012345678"


@pytest.fixture(autouse=True)
def number(services) -> None:
    """The business number whose queue the board shows."""
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": QUEUE})


def join(services, caller: str, queue: str = QUEUE, *, callback: bool = False):
    entry = services.queue.join(queue, NewEntry(call_sid="CA" + caller[1:], caller=caller,
                                                dialled=BUSINESS))
    if callback:
        entry = services.callbacks.request(queue, entry.entry_id, caller)
    return entry


def with_phone(services, agent: Agent, endpoint: str = PHONE) -> Agent:
    with services.db.session() as session:
        session.get(Agent, agent.id).endpoint = endpoint
    return AgentDirectory(services.db).get(agent.id)


def board(services, viewer_id=None):
    r = services.routing
    return LiveBoard(queue=services.queue, agents=AgentDirectory(services.db),
                     presence=r.presence, offers=r.offers, clock=services.clock,
                     queue_ids=board_queue_ids(services)).build(viewer_id)


def post_on_board(client, action: str, **fields):
    html = client.get("/console/live").get_data(as_text=True)
    return client.post(action, data={"csrf_token": csrf_from(html), "back": "live", **fields})


def notices(client) -> str:
    return client.get("/console/live").get_data(as_text=True)


# The view model


def test_the_board_lists_each_queue_in_order_with_kind_numbers_wait_and_intent(
        services, clock, owner):
    join(services, "+4915100000001")
    clock.advance(30)
    join(services, "+4915100000002", callback=True)
    clock.advance(15)
    join(services, "+4915100000003", queue="sales")  # a queue no number names

    found = board(services, owner.id)

    assert [q.queue_id for q in found.queues] == [QUEUE]  # sales: nobody's queue
    (support,) = found.queues
    assert [(e.position, e.kind, e.caller, e.wait_seconds) for e in support.entries] == [
        (1, EntryKind.LIVE, "+4915100000001", 45),
        (2, EntryKind.CALLBACK, "+4915100000002", 15),
    ]
    assert support.entries[1].callback_number == "+4915100000002"
    assert support.entries[1].intent == "general" and support.entries[1].dialled == BUSINESS
    assert support.size == 2 and support.callbacks == 1


def test_an_offered_entry_shows_whom_it_is_offered_to_and_the_seconds_left(
        services, clock, owner):
    owner = with_phone(services, owner)
    join(services, "+4915100000001", callback=True)
    services.routing.presence.set(owner.id, "available", [QUEUE])  # routing offers it
    clock.advance(5)

    found = board(services, owner.id)

    (entry,) = found.queues[0].entries
    assert entry.state is EntryState.OFFERED
    assert (entry.offered_to, entry.offered_to_viewer, entry.offer_seconds_left) == (
        "Olivia Owner", True, 15)
    assert found.me is not None and found.me.state is PresenceState.OFFERED
    assert found.me.seconds_left == 15 and found.me.offer.id == entry.ref
    assert found.queues[0].agents == {"Offered": 1}


def test_agents_show_available_busy_wrap_up_away_and_logged_out(services, owner, people):
    ana = with_phone(services, people.agent("ana@example.com", permissions=["live_queue"]))
    ben = with_phone(services, people.agent("ben@example.com", permissions=["live_queue"]))
    cleo = people.agent("cleo@example.com", permissions=["live_queue"])
    presence = services.routing.presence
    presence.set(ana.id, "available", [QUEUE])
    presence.set(ben.id, "away", [QUEUE])

    states = {a.name: a.state for a in board(services).agents}

    assert states == {"Olivia Owner": PresenceState.LOGGED_OUT,
                      "Ana": PresenceState.AVAILABLE, "Ben": PresenceState.AWAY,
                      "Cleo": PresenceState.LOGGED_OUT}
    assert cleo.endpoint is None


def test_a_busy_agent_and_its_wrap_up_are_shown(services, clock, owner):
    owner = with_phone(services, owner)
    entry = join(services, "+4915100000001")
    services.routing.presence.set(owner.id, "available", [QUEUE])
    assert services.queue.accept(QUEUE, entry.entry_id, str(owner.id))

    busy = board(services, owner.id)
    assert busy.me.state is PresenceState.BUSY and busy.me.offer.id == f"{QUEUE}:{entry.entry_id}"
    assert busy.queues[0].entries == []  # with the agent now, out of the waiting list

    services.queue.complete(QUEUE, entry.entry_id, str(owner.id), handle_seconds=60)
    wrap = board(services, owner.id)
    assert wrap.me.state is PresenceState.WRAP_UP and wrap.me.seconds_left == 30


# Pages and permissions


def test_the_live_page_needs_the_live_queue_permission(app, services, owner, people):
    people.agent("ana@example.com", permissions=["callbacks"])
    client = app.test_client()
    log_in(client, "ana@example.com", AGENT_PASSWORD)
    for path in ("/console/live", "/console/live/board", "/console/live/events"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "needs the Live queue permission" in response.get_data(as_text=True)
    assert client.get("/console/live/board",
                      headers={"Accept": "application/json"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in_and_a_script_gets_401(client):
    response = client.get("/console/live")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert client.get("/console/live/events",
                      headers={"Accept": "application/json"}).status_code == 401


def test_without_the_callbacks_permission_the_board_has_no_call_button_and_call_is_refused(
        app, services, people):
    a1 = join(services, "+4915100000001", callback=True).entry_id
    people.agent("ana@example.com", permissions=["live_queue"])
    client = app.test_client()
    log_in(client, "ana@example.com", AGENT_PASSWORD)

    page = client.get("/console/live").get_data(as_text=True)
    assert "+4915100000001" in page and "Call +4915100000001 back" not in page
    response = post_on_board(client, f"/console/live/callbacks/{QUEUE}:{a1}/call")
    assert response.status_code == 403
    assert services.queue.get(QUEUE, a1).state is EntryState.WAITING


def test_the_board_fragment_is_the_board_without_the_page(owner_client, services):
    a1 = join(services, "+4915100000001").entry_id
    fragment = owner_client.get("/console/live/board").get_data(as_text=True)
    assert f'data-ref="support:{a1}"' in fragment
    assert "<html" not in fragment and "Take calls from" not in fragment


# The agent's actions


def test_the_presence_switch_makes_the_agent_available_and_routing_offers_at_once(
        owner_client, services, owner):
    with_phone(services, owner)
    a1 = join(services, "+4915100000001", callback=True).entry_id

    response = post_on_board(owner_client, "/console/live/presence", state="available",
                             queues=QUEUE)

    assert response.status_code == 302
    assert services.queue.get(QUEUE, a1).offered_to == str(owner.id)
    assert "a caller is offered to you in support" in notices(owner_client)
    post_on_board(owner_client, "/console/live/presence", state="away")
    assert services.routing.presence.get(owner.id).state is PresenceState.AWAY
    assert services.queue.get(QUEUE, a1).state is EntryState.WAITING  # given back


def test_going_available_without_a_phone_says_why(owner_client, services, owner):
    post_on_board(owner_client, "/console/live/presence", state="available", queues=QUEUE)
    page = notices(owner_client)
    assert '<div class="alert" role="alert">Set your phone first:' in page  # red, not green
    assert "endpoint" not in page.split('role="alert">')[1].split("</div>")[0]
    assert services.routing.presence.get(owner.id).state is PresenceState.LOGGED_OUT


def test_call_from_the_board_places_the_callback_to_the_agents_phone_first(
        owner_client, services, owner):
    owner = with_phone(services, owner)
    services.routing.presence.set(owner.id, "available", [QUEUE])
    a1 = join(services, "+4915100000001", callback=True).entry_id
    services.routing.router.route(QUEUE)  # as the webhook does after a join
    assert services.queue.get(QUEUE, a1).offered_to == str(owner.id)

    post_on_board(owner_client, f"/console/live/callbacks/{QUEUE}:{a1}/call")
    make_worker(services, simple=True).work(burst=True)

    assert services.queue.get(QUEUE, a1).state is EntryState.ACCEPTED
    assert [c.to for c in services.telephony.calls()] == [PHONE]
    assert "Calling +4915100000001 back: your phone rings first." in notices(owner_client)


def test_call_on_a_waiting_callback_takes_it_even_when_not_offered(
        owner_client, services, owner):
    owner = with_phone(services, owner)
    a1 = join(services, "+4915100000001", callback=True).entry_id
    a2 = join(services, "+4915100000002", callback=True).entry_id
    # Available in the engine but not routed, so nothing is offered yet.
    services.queue.set_agent_state(str(owner.id), AgentState.AVAILABLE, [QUEUE])

    post_on_board(owner_client, f"/console/live/callbacks/{QUEUE}:{a2}/call")

    assert services.queue.get(QUEUE, a2).accepted_by == str(owner.id)
    assert services.queue.position(QUEUE, a1) == 1


def test_declined_callback_stays_at_its_place_and_says_so(owner_client, services, owner):
    join(services, "+4915100000001", callback=True)
    a2 = join(services, "+4915100000002", callback=True).entry_id
    join(services, "+4915100000003")

    post_on_board(owner_client, f"/console/live/callbacks/{QUEUE}:{a2}/decline")

    assert services.queue.position(QUEUE, a2) == 2
    assert str(owner.id) in services.queue.get(QUEUE, a2).declined_by
    page = notices(owner_client)
    assert "The callback to +4915100000002 stays in the queue at position 2" in page
    assert re.search(rf'data-ref="support:{a2}".*?declined by you', page, re.S)


def test_passing_on_an_offered_callback_hands_it_back_to_routing(
        owner_client, services, owner, people):
    owner = with_phone(services, owner)
    ana = with_phone(services, people.agent("ana@example.com", permissions=["callbacks"]),
                     "+493012345679")
    services.routing.presence.set(owner.id, "available", [QUEUE])
    a1 = join(services, "+4915100000001", callback=True).entry_id
    services.routing.router.route(QUEUE)
    services.routing.presence.set(ana.id, "available", [QUEUE])
    assert services.queue.get(QUEUE, a1).offered_to == str(owner.id)

    post_on_board(owner_client, f"/console/live/callbacks/{QUEUE}:{a1}/decline")

    entry = services.queue.get(QUEUE, a1)
    assert (entry.state, entry.offered_to) == (EntryState.OFFERED, str(ana.id))
    assert services.queue.position(QUEUE, a1) == 1


def test_call_of_a_callback_that_left_says_so(owner_client, services, owner):
    response = post_on_board(owner_client, f"/console/live/callbacks/{QUEUE}:a9/call")
    assert response.status_code == 302
    assert "This callback is no longer in the queue." in notices(owner_client)


def test_actions_without_the_forms_csrf_token_change_nothing(owner_client, services, owner):
    a1 = join(services, "+4915100000001", callback=True).entry_id
    response = owner_client.post(f"/console/live/callbacks/{QUEUE}:{a1}/decline")
    assert response.status_code == 400
    assert services.queue.get(QUEUE, a1).declined_by == ()


def test_the_callbacks_page_lists_callbacks_with_call_and_decline(owner_client, services):
    a1 = join(services, "+4915100000001", callback=True).entry_id
    make_worker(services, simple=True).work(burst=True)  # record_request writes the row
    page = owner_client.get("/console/callbacks").get_data(as_text=True)
    assert f"support:{a1}" in page and "Call +4915100000001 back" in page
    wrong = owner_client.get("/console/callbacks?state=nonsense").get_data(as_text=True)
    assert "Must be one of requested" in wrong


def test_the_board_shows_queues_of_numbers_open_callbacks_and_agents(services, owner):
    owner = with_phone(services, owner)
    join(services, "+4915100000001", queue="archive", callback=True)
    make_worker(services, simple=True).work(burst=True)  # its record: an open callback
    services.routing.presence.set(owner.id, "away", ["night"])

    assert board_queue_ids(services) == {QUEUE, "archive"}
    assert [q.queue_id for q in board(services).queues] == ["archive", "night", QUEUE]


def test_an_agent_sets_its_own_phone_on_the_board_with_the_apis_rule(
        owner_client, services, owner):
    post_on_board(owner_client, "/console/live/endpoint", endpoint="my desk")
    assert AgentDirectory(services.db).get(owner.id).endpoint is None
    assert "Your phone is not changed: must be an E.164 phone number" in notices(owner_client)

    post_on_board(owner_client, "/console/live/endpoint", endpoint="+49 30 12345678")

    assert AgentDirectory(services.db).get(owner.id).endpoint == "+493012345678"
    assert "Your calls now ring +493012345678." in notices(owner_client)


def test_the_board_refuses_a_phone_the_toll_fraud_rules_forbid_saying_why(
        owner_client, services, owner):
    for endpoint, why in [
        ("+447911123456", "must be a phone number in a country the business numbers call "
                          "back: DE."),
        (BUSINESS, "must not be one of the business's own numbers (the call would come back "
                   "into the queue)."),
        ("+4970012345678", "must not be a personal or universal access number "
                           "(toll-fraud guard)."),
        ("sip:me@pbx.example.com", "SIP addresses are not allowed here: ask your "
                                   "administrator to allow this SIP domain, or use a phone "
                                   "number."),
    ]:
        post_on_board(owner_client, "/console/live/endpoint", endpoint=endpoint)
        assert "Your phone is not changed: " + why in html.unescape(notices(owner_client))
    assert AgentDirectory(services.db).get(owner.id).endpoint is None


class _Sent:
    """Round trips (requests sent) over the counting pool's connections."""

    count = 0


def _counting_pool(redis_url: str) -> redis.ConnectionPool:
    """A pool whose connections (TCP or the embedded server's socket) count sends."""
    pool = redis.ConnectionPool.from_url(redis_url)
    base = pool.connection_class

    class Counting(base):  # type: ignore[valid-type,misc]
        def send_packed_command(self, command, check_health=True):
            _Sent.count += 1
            super().send_packed_command(command, check_health)

    pool.connection_class = Counting
    return pool


def _board_round_trips(services, redis_url: str) -> int:
    from ringback.services import Services

    pool = _counting_pool(redis_url)
    counted = Services(settings=services.settings, redis=redis.Redis(connection_pool=pool),
                       db=services.db, clock=services.clock, telephony=services.telephony)
    try:
        board(counted)  # scripts loaded, connection opened
        before = _Sent.count
        board(counted)
        return _Sent.count - before
    finally:
        pool.disconnect()


def test_the_board_reads_every_agents_state_in_a_fixed_number_of_round_trips(
        services, clock, owner, people, redis_url):
    """Issue 16 / the board: one batched read of all agents' presence and offers,
    not several round trips per agent."""
    join(services, "+4915100000001")
    presence = services.routing.presence
    presence.set(with_phone(services, owner).id, "available", [QUEUE])  # offered the caller
    few = _board_round_trips(services, redis_url)

    for n in range(12):
        agent = people.agent(f"agent{n}@example.com", permissions=["live_queue"])
        presence.set(with_phone(services, agent).id, "available" if n % 2 else "away", [QUEUE])
    assert len(board(services).agents) == 13

    assert _board_round_trips(services, redis_url) == few
