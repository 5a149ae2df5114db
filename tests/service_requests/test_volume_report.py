"""The request-volume report against a fixture of twelve requests with hand-counted figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ringback.errors import ValidationError
from ringback.service_requests.volume import volume_query

# (UTC time, type, channel, queue, problem code name or None, agent email or None)
FIXTURE = [
    ("2027-03-01 08:00", "information", "phone", "support", None, "ana"),
    ("2027-03-01 23:30", "action", "phone", "support", "Appliance pickup", "ana"),  # Berlin: 2nd
    ("2027-03-02 09:00", "action", "email", None, "Missed collection", "ben"),
    ("2027-03-02 10:00", "remark", "walk_in", None, None, None),
    ("2027-03-07 12:00", "information", "phone", "support", None, "ben"),  # a Sunday
    ("2027-03-08 12:00", "action", "fax", "works", "Pothole repair", "ben"),  # next ISO week
    ("2027-03-31 23:30", "remark", "phone", "works", None, "ana"),  # Berlin: 1 April
    ("2027-04-01 07:00", "action", "phone", "works", "Appliance pickup", "ana"),
    ("2027-04-15 12:00", "information", "email", "support", None, "ben"),
    ("2027-04-30 12:00", "action", "phone", "support", "Pothole repair", "ben"),
    ("2027-02-28 23:59", "remark", "phone", "support", None, "ana"),  # before the range (UTC)
    ("2027-05-01 00:00", "remark", "phone", "support", None, "ana"),  # after the range (UTC)
]


@pytest.fixture
def logged(services, desk, clock):
    from ringback.work_orders.codes import codes_of

    codes = {c.name: c.id for c in codes_of(services.problem_codes.tree())}
    agents = {name: services.agents.create({"email": f"{name}.volume@example.com",
                                            "name": name.title(),
                                            "permissions": ["requests"]}).id
              for name in ("ana", "ben")}
    log = services.service_requests
    for when, kind, channel, queue, code, agent in FIXTURE:
        clock.set(datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp())
        fields = {"type": kind, "channel": channel}
        if queue:
            fields["queue_id"] = queue
        row = log.save(fields, agents[agent] if agent else None).request
        if code:
            log.update(row.id, {"problem_code_id": codes[code]}, None)
    return services.request_volume


def query(**args):
    return volume_query({"from": "2027-03-01", "to": "2027-04-30", **args}, date(2027, 5, 1))


def figures(table):
    return {(p, g): table.count(p, g) for p in table.periods for g in table.groups
            if table.count(p, g)}


def test_by_type_per_month_in_utc(logged):
    table = logged.table(query(period="month", by="type"))
    assert table.periods == ["2027-03", "2027-04"]
    assert table.groups == ["Information", "Action", "Remark"]
    assert figures(table) == {("2027-03", "Information"): 2, ("2027-03", "Action"): 3,
                              ("2027-03", "Remark"): 2, ("2027-04", "Information"): 1,
                              ("2027-04", "Action"): 2}
    assert table.total == 10


def test_the_time_zone_moves_requests_across_days_and_months(logged):
    table = logged.table(query(period="month", by="type", tz="Europe/Berlin"))
    # 31 March 23:30 UTC is 1 April in Berlin; 28 Feb 23:59 UTC is 1 March there.
    assert figures(table) == {("2027-03", "Information"): 2, ("2027-03", "Action"): 3,
                              ("2027-03", "Remark"): 2, ("2027-04", "Information"): 1,
                              ("2027-04", "Action"): 2, ("2027-04", "Remark"): 1}
    assert table.total == 11  # 30 April 22:00 UTC ends the Berlin range: 1 May 00:00 is out
    days = logged.table(query(period="day", by="type", tz="Europe/Berlin", to="2027-03-02"))
    assert figures(days) == {("2027-03-01", "Information"): 1, ("2027-03-01", "Remark"): 1,
                             ("2027-03-02", "Action"): 2, ("2027-03-02", "Remark"): 1}


def test_per_iso_week_by_channel(logged):
    table = logged.table(query(period="week", by="channel", to="2027-03-14"))
    assert table.periods == ["2027-W09", "2027-W10"]
    assert figures(table) == {("2027-W09", "Phone"): 3, ("2027-W09", "E-mail"): 1,
                              ("2027-W09", "Walk-in"): 1, ("2027-W10", "Fax"): 1}


def test_by_queue_category_and_agent(logged):
    by_queue = logged.table(query(period="month", by="queue"))
    assert {g: by_queue.group_total(g) for g in by_queue.groups} == {
        "support": 5, "works": 3, "No queue": 2}
    by_category = logged.table(query(period="month", by="category"))
    assert {g: by_category.group_total(g) for g in by_category.groups} == {
        "No problem code": 5, "Household collection": 3, "Potholes": 2}
    by_agent = logged.table(query(period="month", by="agent"))
    assert {g: by_agent.group_total(g) for g in by_agent.groups} == {
        "Ben": 5, "Ana": 4, "No agent": 1}
    assert by_agent.groups == ["Ben", "Ana", "No agent"]  # the biggest first


def test_csv_has_a_row_per_period_and_group(logged):
    text = logged.table(query(period="month", by="type")).csv()
    lines = text.strip().split("\r\n")
    assert lines[0] == "Month,Type,Requests"
    assert "2027-03,Action,3" in lines and "2027-04,Remark,0" in lines
    assert len(lines) == 1 + 2 * 3


def test_bad_report_arguments_are_named():
    with pytest.raises(ValidationError) as refused:
        volume_query({"period": "hour", "by": "mood", "from": "yesterday",
                      "tz": "Nowhere/Else"}, date(2027, 5, 1))
    assert set(refused.value.errors) == {"period", "by", "from", "tz"}
    with pytest.raises(ValidationError) as backwards:
        volume_query({"from": "2027-05-01", "to": "2027-04-01"}, date(2027, 5, 1))
    assert set(backwards.value.errors) == {"to"}


def test_the_api_gives_the_same_figures_and_csv(client, owner_headers, logged):
    answer = client.get("/api/v1/reports/request-volume?period=month&by=type&from=2027-03-01"
                        "&to=2027-04-30", headers=owner_headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] == 10
    assert {(r["period"], r["group"]): r["requests"] for r in body["rows"]
            if r["requests"]}[("2027-03", "Action")] == 3
    exported = client.get("/api/v1/reports/request-volume?period=month&from=2027-03-01"
                          "&to=2027-04-30&format=csv", headers=owner_headers)
    assert exported.mimetype == "text/csv" and "2027-04,Action,2" in exported.get_data(
        as_text=True)
    refused = client.get("/api/v1/reports/request-volume?period=hour", headers=owner_headers)
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"period"}
