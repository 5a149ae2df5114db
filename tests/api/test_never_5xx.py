"""No input makes the JSON API answer 5xx (issue 17, finding 5).

The routes come from the app's own URL map, so a route added later is covered
without touching this file.  Odd path ids (huge, negative, NUL, digits that
are not ASCII, empty), query strings and bodies (deep nesting, wrong types,
unknown fields, NaN, bytes that are not UTF-8) go to every route as the
owner, an agent with the agents area and an agent without any; each answer
must be below 500, JSON (204 has no body; a redirect names its Location),
and a 422 must name its fields.
CI runs this file on SQLite and again on PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ringback.agents import AGENT_FIELDS, AgentDirectory
from ringback.booking_bridge.catalog import BookingCatalog
from ringback.booking_bridge.validation import (
    BOOK_FIELDS,
    CANCEL_FIELDS,
    EXCEPTION_FIELDS,
    RESCHEDULE_FIELDS,
    SERVICE_FIELDS,
)
from ringback.callbacks.enqueue import CallbackJobs
from ringback.callbacks.service import CallbackService, entry_ref
from ringback.ivr.config import CALLBACK_FIELDS, GREETING_NAMES, TOP_FIELDS
from ringback.queue.models import SETTINGS_FIELDS, NewEntry
from ringback.tickets.desk_input import ARTICLE_FIELDS, CHANGE_FIELDS
from ringback.tickets.sla import SLA_FIELDS
from tests.conftest import OWNER_TOKEN

BOOKING_FIELDS = {*BOOK_FIELDS, *RESCHEDULE_FIELDS, *CANCEL_FIELDS, *SERVICE_FIELDS,
                  *EXCEPTION_FIELDS, "time_zone", "address", "hours", "weekday"}
PREFIX = "/api/v1/"
NUMBER = "+4930123456"
QUEUE = "support"
PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
FIELDS = sorted({*AGENT_FIELDS, *TOP_FIELDS, *SETTINGS_FIELDS, *CALLBACK_FIELDS,
                 *GREETING_NAMES, "state", "queues", "agent_id", "text", "audio_url", "digit",
                 "action", "intent", "message", "kind", *CHANGE_FIELDS, *ARTICLE_FIELDS,
                 *SLA_FIELDS, "requester", "body", "internal", *BOOKING_FIELDS})
QUERY_NAMES = ["limit", "offset", "state", "queue", "status", "subject", "requester", "from",
               "to", "agent_id", "sort", "my_queues", "escalated", "owner_agent_id",
               "locked_by_agent_id", "customer_id", "customer_user_id", "reminder_due",
               "service_id", "location_id", "resource_id", "days", "part_of_day", "scope"]
ODD_TEXT = ["0", "1", "-1", "2147483647", "2147483648", "99999999999999999999", "9" * 5000,
            "\u00b2", "\u0663", "\uff15", "\x00", "a\x00b", "", " ", "..", "%", "null",
            "support:a1", "support:", ":a1", "+4930123456", "+4930\x00", "sip:a@b", "1e999",
            "NaN", "\ud7ff", "\U0001f600", "<script>", "x" * 300,
            "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2027-01-15T09:00:00Z"]
BASE_DOCUMENTS = [
    {"email": "ana@example.com", "name": "Ana", "role": "custom", "permissions": []},
    {"language": "de", "queue_id": "support", "greetings": {"welcome": {"text": "Hallo"}}},
    {"max_size": 10, "max_wait_seconds": 600, "priorities": {"callback": 1}},
    {"state": "available", "queues": ["support"]},
    {"endpoint": "+493012345678"},
    {"agent_id": 1},
    {"subject": "Printer", "requester": "+4930123456", "queue": "support", "priority": 2},
    {"state": "pending reminder", "pending_until": "2027-01-15T09:00:00Z"},
    {"kind": "phone", "body": "called", "internal": False},
    {"first_response_minutes": 60, "time_zone": "Europe/Berlin",
     "business_hours": {"mon": [["08:00", "17:00"]]}},
    {"name": "Cut", "duration_minutes": 30, "location_ids": [1]},
    {"hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}]},
    {"customer_user_id": 1, "service_id": 1, "location_id": 1,
     "starts": ["2027-01-18T09:00:00+01:00"]},
    {"booking_ids": [1], "password": "x", "notify_customer": False},
]
RAW_BODIES = [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 40 + b"1" + b"}" * 40,
              b"[" * 33 + b"]" * 33, b"\xff\xfe\x00", b"NaN", b"[Infinity]", b"1e999",
              b"9" * 5000, b'"\\u0000"', b'{"name": "\\ud800"}', b"{", b"", b"null",
              b'{"agent_id": 1, "agent_id": "x"}']


def api_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every /api/v1 route the app serves."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(PREFIX)
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})


def path_of(rule: str, values: list[str]) -> str:
    parts = iter(values)
    return PLACEHOLDER.sub(lambda _: quote(next(parts), safe=""), rule)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**80, max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
    | st.sampled_from(ODD_TEXT),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
segments = st.sampled_from(ODD_TEXT) | st.text(max_size=12) | st.integers().map(str)
documents = st.one_of(
    st.none(),
    json_values,
    st.tuples(st.sampled_from(BASE_DOCUMENTS),
              st.just({}) | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=2))
    .map(lambda pair: {**pair[0], **pair[1]}),
)


@st.composite
def requests(draw, routes: list[tuple[str, str]], known: list[str]):
    """(method, path with query, body, content type); ``known`` names things that exist."""
    method, rule = draw(st.sampled_from(routes))
    ids = st.sampled_from(known) | segments
    path = path_of(rule, [draw(ids) for _ in PLACEHOLDER.findall(rule)])
    query = draw(st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | st.text(max_size=4),
                                    segments), max_size=3))
    if query:
        path += "?" + urlencode(query)
    if draw(st.integers(0, 3)) == 0:
        body, content_type = draw(st.sampled_from(RAW_BODIES)), "application/json"
    else:
        document = draw(documents)
        body = b"" if document is None else json.dumps(document).encode()
        content_type = draw(st.sampled_from(["application/json"] * 4 + [
            "text/plain", "application/x-www-form-urlencoded"]))
    return method, path, body, content_type


@pytest.fixture
def tokens(services) -> dict[str, dict[str, str]]:
    agents = AgentDirectory(services.db)
    headers = {"owner": {"Authorization": f"Bearer {OWNER_TOKEN}"}}
    for name, permissions in [("manager", ["agents", "callbacks", "live_queue"]),
                              ("plain", [])]:
        agent = agents.create({"email": f"{name}@example.com", "name": name,
                               "permissions": permissions, "endpoint": "+493012345678"})
        headers[name] = {"Authorization": f"Bearer {agents.issue_token(agent.id)}"}
    return headers


@pytest.fixture
def known(services, tokens) -> list[str]:
    """Ids that exist, so requests also get past the lookups: agents, a number, a
    queue, a live caller and a callback waiting in it, a ticket, a location, service
    and resource, and the kinds of weekly hours."""
    services.numbers.put(NUMBER, {"queue_id": QUEUE})
    waiting = [services.queue.join(QUEUE, NewEntry(call_sid="CA" + f"{i:032x}",
                                                   caller="+4915112345678", dialled=NUMBER))
               for i in range(2)]
    callbacks = CallbackService(services.queue, services.deadlines, expiry_seconds=3600,
                                jobs=CallbackJobs(services.redis))
    callbacks.request(QUEUE, waiting[1].entry_id, "+4915112345678")
    agent_ids = [str(a.id) for a in AgentDirectory(services.db).all()]
    catalog = BookingCatalog(services.db)
    place = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    service = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                      "location_ids": [place.id]})
    resource = catalog.create_resource({"location_id": place.id, "name": "Ana"})
    booking_ids = [str(place.id), str(service.id), str(resource.id), "working", "online"]
    ticket = services.tickets.create_ticket(idempotency_key="t1", subject="Callback",
                                            requester=NUMBER, description="",
                                            data={"queue": QUEUE})
    return [*agent_ids, NUMBER, QUEUE, *(entry_ref(QUEUE, e.entry_id) for e in waiting),
            ticket.id, *booking_ids]


def check(response) -> None:
    status = response.status_code
    assert status < 500, response.get_data(as_text=True)[:500]
    if status == 204:
        return
    if 300 <= status < 400:  # werkzeug merges doubled slashes with a 308
        assert response.headers["Location"]
        return
    body = response.get_json(silent=True)
    assert isinstance(body, dict), (status, response.get_data(as_text=True)[:200])
    if status == 422:
        assert body["errors"] and all(isinstance(k, str) and isinstance(v, str)
                                      for k, v in body["errors"].items())
    elif status >= 400:
        assert isinstance(body["error"], str)


def test_the_api_has_routes_to_check(app):
    routes = api_routes(app)
    assert ("POST", "/api/v1/agents/<id:agent_id>/presence") in routes
    assert len(routes) >= 20


@pytest.mark.parametrize("segment", ODD_TEXT)
def test_every_route_takes_every_odd_id_without_a_5xx(app, client, tokens, segment):
    for method, rule in api_routes(app):
        path = path_of(rule, [segment] * len(PLACEHOLDER.findall(rule)))
        check(client.open(path, method=method, headers=tokens["owner"], json={}))


@settings(max_examples=1000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_request_makes_the_api_answer_5xx(app, client, tokens, known, data):
    method, path, body, content_type = data.draw(requests(api_routes(app), known))
    who = data.draw(st.sampled_from(["owner", "owner", "manager", "plain"]))
    response = client.open(path, method=method, data=body, content_type=content_type,
                           headers=tokens[who])
    check(response)
    event(f"{method} {response.status_code}")  # pytest --hypothesis-show-statistics
