"""The reports page: CallbackMetrics' figures for a range, overall, per number and
per period; the range rules; the chart's geometry; who may see it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from ringback.callbacks.metrics import CallbackFigures, CallbackMetrics
from ringback.callbacks.parts import configured_queue_ids
from ringback.callbacks.records import CallbackRecords
from ringback.console.report_chart import DAY, HOUR, build_chart, report_range
from ringback.errors import ValidationError
from ringback.numbers import NumberDirectory
from tests.browser.callback_history import EXPIRED, OPEN, Asked, write_history
from tests.console.conftest import AGENT_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, log_in
from tests.round_trips import RoundTrips, counted_redis, counted_sql

BUSINESS = "+4930123456"
HAMBURG = "+4940123456"
NOW = datetime(2027, 1, 15, 10, 30, tzinfo=UTC).timestamp()


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


# Ranges


def test_the_last_7_days_are_7_whole_days_ending_with_today():
    chosen = report_range("7d", None, None, NOW)
    periods = chosen.periods()
    assert [p.label for p in periods] == ["9 Jan", "10 Jan", "11 Jan", "12 Jan", "13 Jan",
                                          "14 Jan", "15 Jan"]
    assert periods[0].start == epoch("2027-01-09T00:00") and chosen.end == epoch("2027-01-16")


def test_the_last_24_hours_are_24_hours_even_on_the_hour():
    on_the_hour = epoch("2027-01-15T08:00")
    periods = report_range("24h", None, None, on_the_hour).periods()
    assert len(periods) == 24 and periods[-1].start == on_the_hour
    assert periods[0].label == "09:00" and periods[-1].end - periods[-1].start == HOUR


@pytest.mark.parametrize("first,last,step,count", [
    ("2027-01-14", "2027-01-15", HOUR, 48),
    ("2027-01-01", "2027-01-31", DAY, 31),
    ("2026-01-01", "2026-12-31", 7 * DAY, 53),
])
def test_a_chosen_range_includes_both_days_in_periods_that_fit_it(first, last, step, count):
    chosen = report_range(None, first, last, NOW)
    assert (chosen.step, len(chosen.periods())) == (step, count)
    assert chosen.start == epoch(first) and chosen.end == epoch(last) + DAY


@pytest.mark.parametrize("first,last,errors", [
    ("15.01.2027", "2027-01-16", {"from": "must be a date such as 2027-01-15"}),
    ("2027-01-16", "2027-01-15", {"to": "must not be before from"}),
    ("2025-01-01", "2027-01-15", {"to": "must be at most 366 days after from"}),
    ("2027-01-01", "", {"to": "must be a date such as 2027-01-15"}),
])
def test_a_wrong_range_names_the_field_and_the_rule(first, last, errors):
    with pytest.raises(ValidationError) as raised:
        report_range("custom", first, last, NOW)
    assert raised.value.errors == errors


# The chart


def test_bars_stack_answered_missed_expired_and_open_to_scale():
    chosen = report_range("24h", None, None, NOW)
    quiet, busy = chosen.periods()[:2]
    figures = CallbackFigures(total_callbacks=10, answered=4, no_answer=1, busy=1, failed=1,
                              expired=2)
    chart = build_chart([(quiet, CallbackFigures()), (busy, figures)])

    assert chart.bars[0].segments == []
    stack = chart.bars[1].segments
    assert [(s.series, s.value) for s in stack] == [
        ("answered", 4), ("missed", 3), ("expired", 2), ("open", 1)]
    full = chart.baseline - chart.ticks[-1][0]
    assert sum(s.height for s in stack) == pytest.approx(full)  # 10 is the axis' top
    assert stack[0].y + stack[0].height == pytest.approx(chart.baseline)
    assert [v for _, v in chart.ticks] == [0, 2, 4, 6, 8, 10]
    assert "10 callbacks, 4 answered, 3 missed, 2 expired" in chart.bars[1].title


# The page


WEEK = [
    Asked(3, 9, BUSINESS, "connected", 120), Asked(3, 10, HAMBURG, "no_answer", 60),
    Asked(1, 11, BUSINESS, EXPIRED), Asked(1, 12, BUSINESS, "connected", 240),
    Asked(0, 9, HAMBURG, "busy", 30), Asked(0, 10, BUSINESS, OPEN),
]


@pytest.fixture
def history(services, owner, clock):
    clock.set(NOW)
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": "support"})
    write_history(services, "support", owner.id, WEEK)


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert found, name
    return found.group(1)


def test_the_page_shows_callback_metrics_for_the_range_overall_and_per_number(
        owner_client, services, history):
    page = owner_client.get("/console/reports?range=7d").get_data(as_text=True)

    metrics = CallbackMetrics(services.db, services.queue, CallbackRecords(services.db,
                              services.clock), configured_queue_ids(services.numbers))
    chosen = report_range("7d", None, None, NOW)
    expected = metrics.report(chosen.start, chosen.end)
    o = expected.overall
    assert (o.total_callbacks, o.callbacks_in_queue, o.answered, o.expired) == (6, 1, 2, 1)
    assert figure(page, "total_callbacks") == "6" and figure(page, "callbacks_in_queue") == "1"
    assert figure(page, "answered") == "2" and figure(page, "no_answer") == "1"
    assert figure(page, "expired") == "1"
    assert figure(page, "average_callback_wait") == "1:52"  # (120+60+240+30) / 4 = 112.5
    assert set(expected.numbers) == {BUSINESS, HAMBURG}
    for number, f in expected.numbers.items():
        row = re.search(rf'data-number="{re.escape(number)}">(.*?)</tr>', page, re.S)
        cells = re.findall(r'<td class="right">([^<]*)</td>', row.group(1))
        assert cells[:2] == [str(f.callbacks_in_queue), str(f.total_callbacks)]
    assert page.count('<g class="bar">') == 7
    assert "12 Jan: 2 callbacks, 1 answered, 1 missed, 0 expired" in page


@pytest.mark.parametrize("key", ["24h", "7d", "30d"])
def test_each_period_counts_as_a_report_of_that_period_alone(services, history, key):
    # The callbacks are requested on the hour: on the 24-hour chart's period edges.
    metrics = CallbackMetrics(services.db, services.queue, CallbackRecords(services.db,
                              services.clock), configured_queue_ids(services.numbers))
    chosen = report_range(key, None, None, NOW)
    periods = chosen.periods()

    found = metrics.series([p.start for p in periods] + [chosen.end])

    assert found.report == metrics.report(chosen.start, chosen.end)
    assert found.periods == [metrics.report(p.start, p.end).overall for p in periods]
    assert sum(f.total_callbacks for f in found.periods) == found.report.overall.total_callbacks
    assert sum(1 for f in found.periods if f.total_callbacks) >= 2


@pytest.mark.parametrize("bounds", [[], [5.0], [5.0, 5.0], [5.0, 9.0, 7.0]])
def test_a_series_needs_rising_bounds(services, bounds):
    metrics = CallbackMetrics(services.db, services.queue, CallbackRecords(services.db,
                              services.clock))
    with pytest.raises(ValueError, match="bounds must rise"):
        metrics.series(bounds)


def test_the_reports_page_reads_queues_and_records_once_whatever_the_number_of_periods(
        settings, services, history):
    """It asked once per chart period: 31 SQL reports and 31 scans of every queue
    for 30 days.  Now every range costs the same few round trips."""
    from dataclasses import replace

    from ringback.app import create_app

    trips = RoundTrips()
    counted = replace(services, redis=counted_redis(settings.redis_url, trips))
    client = create_app(settings, counted).test_client()
    log_in(client, OWNER_EMAIL, OWNER_PASSWORD)
    cost = {}
    with counted_sql(services.db.engine, trips):
        for key in ("30d", "24h", "7d", "30d"):
            trips.reset()
            response = client.get(f"/console/reports?range={key}")
            assert response.status_code == 200
            cost[key] = (trips.redis, trips.sql)
    assert cost["30d"] == cost["24h"] == cost["7d"], cost
    redis_trips, sql_statements = cost["30d"]
    assert redis_trips <= 4 and sql_statements <= 5, cost


def test_a_wrong_range_shows_its_message_and_the_default_week(owner_client, history):
    response = owner_client.get("/console/reports?range=custom&from=2027-01-10&to=2027-01-01")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="to-error">Must not be before from.</p>' in page
    assert page.count('<g class="bar">') == 7


def test_the_reports_page_needs_the_reports_permission(app, people, owner):
    people.agent("ana@example.com", permissions=["live_queue", "callbacks", "numbers"])
    people.agent("ben@example.com", permissions=["reports"])
    for email, status in (("ana@example.com", 403), ("ben@example.com", 200)):
        client = app.test_client()
        log_in(client, email, AGENT_PASSWORD)
        assert client.get("/console/reports").status_code == status, email
