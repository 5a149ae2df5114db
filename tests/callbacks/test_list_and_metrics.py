"""GET /api/v1/callbacks and GET /api/v1/metrics over a day of callbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import OutboundUrls
from tests.callbacks.conftest import BUSINESS, QUEUE
from tests.conftest import OWNER_TOKEN

OTHER_BUSINESS = "+4940123456"  # a second business number, Hamburg


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _end_call(desk, ref: str, status: str, duration: str = "0") -> None:
    key = desk.attempt_key(ref)
    desk.webhook(OutboundUrls(desk.settings.public_base_url).dial_done(key),
                 {"CallSid": "CA" + "d" * 32, "DialCallStatus": status,
                  "DialCallDuration": duration})
    desk.work()


@pytest.fixture
def day(desk, clock):
    """A answered after 100 s, B (other number) missed after 290 s, C expired, D waiting."""
    t0 = clock.now()
    ana, ana_token = desk.agent("Ana")
    _, bo_token = desk.agent("Bo", endpoint="+493012345679")
    a = entry_ref(QUEUE, desk.ask("+4915100000001").entry_id)
    clock.advance(10)
    b = entry_ref(QUEUE, desk.ask("+4915100000002", dialled=OTHER_BUSINESS).entry_id)
    desk.work()
    clock.advance(90)
    assert desk.call(a, ana_token).status_code == 202
    desk.work()
    clock.advance(60)
    _end_call(desk, a, "completed", "60")
    clock.advance(140)
    assert desk.call(b, bo_token).status_code == 202
    desk.work()
    _end_call(desk, b, "no-answer")
    clock.advance(100)
    c = entry_ref(QUEUE, desk.ask("+4915100000003").entry_id)
    clock.advance(3600)
    desk.sweep()
    desk.work()
    clock.set(t0 + 5000)
    d = entry_ref(QUEUE, desk.ask("+4915100000004").entry_id)
    desk.work()
    clock.advance(30)
    return {"t0": t0, "a": a, "b": b, "c": c, "d": d, "ana": ana}


def test_the_list_shows_states_numbers_and_waits_newest_first(desk, day):
    body = desk.get("/api/v1/callbacks").get_json()

    assert body["total"] == 4
    by_id = {c["id"]: c for c in body["callbacks"]}
    assert [c["id"] for c in body["callbacks"]] == [day["d"], day["c"], day["b"], day["a"]]
    a, b, c, d = (by_id[day[k]] for k in "abcd")
    assert (a["state"], a["outcome"], a["wait_seconds"], a["handle_seconds"]) == (
        "done", "connected", 100.0, 60.0)
    assert a["agent_id"] == day["ana"] and a["attempts"][0]["outcome"] == "connected"
    assert (b["state"], b["outcome"], b["wait_seconds"], b["number_dialled"]) == (
        "done", "no_answer", 290.0, OTHER_BUSINESS)
    assert (c["state"], c["wait_seconds"], c["ticket_id"] is not None) == (
        "expired", 3600.0, True)
    assert (d["state"], d["position"], d["wait_seconds"]) == ("requested", 1, 30.0)
    assert d["callback_number"] == "+4915100000004" and d["number_dialled"] == BUSINESS
    assert d["requested_at"] == _iso(day["t0"] + 5000)


def test_the_list_filters_by_state_and_pages(desk, day):
    body = desk.get("/api/v1/callbacks?state=done&limit=1&offset=1").get_json()
    assert (body["total"], body["limit"], body["offset"]) == (2, 1, 1)
    assert [c["id"] for c in body["callbacks"]] == [day["a"]]
    bad = desk.get("/api/v1/callbacks?state=lost&limit=0")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"state", "limit"}


def test_an_offered_callback_shows_as_offered(desk, clock):
    entry = desk.ask()
    agent_id, token = desk.agent()
    offer = desk.services.queue.offer_next(QUEUE)
    assert offer is not None and offer.agent_id == str(agent_id)
    body = desk.get(f"/api/v1/callbacks/{entry_ref(QUEUE, entry.entry_id)}", token).get_json()
    assert (body["state"], body["position"]) == ("offered", 1)


def test_metrics_count_per_number_and_overall(desk, day):
    t0 = day["t0"]
    response = desk.get(f"/api/v1/metrics?from={_iso(t0 - 1)}&to={_iso(t0 + 6000)}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["overall"] == {
        "callbacks_in_queue": 1, "total_callbacks": 4, "average_callback_wait_seconds": 195.0,
        "expired": 1, "answered": 1, "no_answer": 1, "busy": 0, "failed": 0,
    }
    assert body["numbers"][BUSINESS] == {
        "callbacks_in_queue": 1, "total_callbacks": 3, "average_callback_wait_seconds": 100.0,
        "expired": 1, "answered": 1, "no_answer": 0, "busy": 0, "failed": 0,
    }
    assert body["numbers"][OTHER_BUSINESS]["no_answer"] == 1
    assert body["numbers"][OTHER_BUSINESS]["average_callback_wait_seconds"] == 290.0


def test_metrics_count_only_callbacks_requested_in_the_range(desk, day):
    t0 = day["t0"]
    body = desk.get(f"/api/v1/metrics?from={_iso(t0 + 350)}&to={_iso(t0 + 4999)}").get_json()
    assert body["overall"]["total_callbacks"] == 1
    assert body["overall"]["expired"] == 1
    assert body["overall"]["answered"] == 0
    assert body["overall"]["average_callback_wait_seconds"] is None
    assert body["overall"]["callbacks_in_queue"] == 1  # live: now, whatever the range


def test_metrics_name_a_malformed_or_reversed_range(desk):
    bad = desk.get("/api/v1/metrics?from=yesterday&to=2027-13-01")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"from", "to"}
    reversed_ = desk.get("/api/v1/metrics?from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z")
    assert reversed_.status_code == 422
    assert set(reversed_.get_json()["errors"]) == {"to"}


def test_callbacks_and_metrics_need_their_permissions(desk):
    _, token = desk.agent()  # holds callbacks, not reports
    assert desk.get("/api/v1/callbacks", token).status_code == 200
    assert desk.get("/api/v1/metrics", token).status_code == 403
    assert desk.get("/api/v1/metrics", OWNER_TOKEN).status_code == 200
    assert desk.client.get("/api/v1/callbacks").status_code == 401


def test_a_new_callback_is_listed_at_once_not_after_its_record_is_written(desk, clock):
    # Issue 16 11: the item answered at once, the list only after a job wrote the row.
    older = entry_ref(QUEUE, desk.ask("+4915100000001").entry_id)
    desk.work()
    clock.advance(10)
    newer = entry_ref(QUEUE, desk.ask("+4915100000002").entry_id)  # no worker has run
    clock.advance(5)

    item = desk.get(f"/api/v1/callbacks/{newer}").get_json()
    body = desk.get("/api/v1/callbacks").get_json()

    assert body["total"] == 2
    assert [c["id"] for c in body["callbacks"]] == [newer, older]
    assert body["callbacks"][0] == item
    assert item["state"] == "requested" and item["position"] == 2
    paged = desk.get("/api/v1/callbacks?limit=1&offset=1").get_json()
    assert ([c["id"] for c in paged["callbacks"]], paged["total"]) == ([older], 2)
    first = desk.get("/api/v1/callbacks?limit=1").get_json()
    assert [c["id"] for c in first["callbacks"]] == [newer]
    assert [c["id"] for c in desk.get("/api/v1/callbacks?state=requested")
            .get_json()["callbacks"]] == [newer, older]
    assert desk.get("/api/v1/callbacks?state=done").get_json() == {
        "callbacks": [], "total": 0, "limit": 50, "offset": 0}
    assert desk.get("/api/v1/callbacks?queue=support").get_json()["total"] == 0

    desk.work()  # the row is written: the list reads the same
    assert desk.get("/api/v1/callbacks").get_json() == body


def test_callbacks_not_yet_recorded_interleave_with_recorded_ones_by_request_time(desk, clock):
    # Record jobs may finish out of order (a retry): rows for callbacks 1 and 3 only.
    refs = []
    for i in range(5):
        entry = desk.ask(f"+49151000000{i + 10}")
        refs.append(entry_ref(QUEUE, entry.entry_id))
        if i in (1, 3):
            desk.records.ensure(entry)
        clock.advance(10)

    pages = [desk.get(f"/api/v1/callbacks?limit=2&offset={o}").get_json() for o in (0, 2, 4)]

    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [c["id"] for p in pages for c in p["callbacks"]] == refs[::-1]


def test_callbacks_and_metrics_answer_as_the_openapi_document_says(desk, day):
    from ringback.api.openapi import document
    from tests.test_openapi import matches_schema

    doc = document()
    listed = desk.get("/api/v1/callbacks").get_json()
    assert {c["state"] for c in listed["callbacks"]} == {"done", "expired", "requested"}
    assert matches_schema(doc, "CallbackPage", listed) == []
    one = desk.get(f"/api/v1/callbacks/{day['a']}").get_json()
    assert one["attempts"] and matches_schema(doc, "Callback", one) == []
    assert matches_schema(doc, "Metrics", desk.get("/api/v1/metrics").get_json()) == []
