"""Time counted in a queue's business hours: nights, weekends, summer time."""

from __future__ import annotations

import pytest

from ringback.errors import ValidationError
from ringback.tickets.business_hours import BusinessHours, add_time
from tests.tickets.conftest import utc

WEEKDAYS = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def berlin() -> BusinessHours:
    return BusinessHours.from_json("Europe/Berlin", WEEKDAYS)


def test_an_hour_asked_late_on_friday_falls_due_on_monday_morning(berlin):
    # 16:30 Berlin (CET, UTC+1): 30 minutes on Friday, 30 on Monday from 08:00.
    due = berlin.add(utc("2027-01-15T16:30:00+01:00"), 60)
    assert due == utc("2027-01-18T08:30:00+01:00")


def test_time_asked_at_night_starts_when_the_office_opens(berlin):
    due = berlin.add(utc("2027-01-13T22:00:00+01:00"), 90)
    assert due == utc("2027-01-14T09:30:00+01:00")


def test_time_asked_on_sunday_starts_on_monday(berlin):
    assert berlin.add(utc("2027-01-17T12:00:00+01:00"), 30) == utc("2027-01-18T08:30:00+01:00")


def test_a_long_span_runs_over_several_working_days(berlin):
    # 3 working days of 9 hours = 27 hours from Wednesday 08:00 end on Friday 17:00.
    assert berlin.add(utc("2027-01-13T08:00:00+01:00"), 27 * 60) == \
        utc("2027-01-15T17:00:00+01:00")


def test_business_hours_follow_summer_time(berlin):
    # Summer time starts on Sunday 28 March 2027: Monday 08:00 is 06:00 UTC, not 07:00.
    due = berlin.add(utc("2027-03-26T16:30:00+01:00"), 60)
    assert due == utc("2027-03-29T06:30:00+00:00")


def test_split_days_and_a_day_until_midnight():
    hours = BusinessHours.from_json("UTC", {"mon": [["13:00", "24:00"], ["08:00", "12:00"]]})
    # Monday 11:30 UTC: 30 minutes before the lunch break, then from 13:00.
    assert hours.add(utc("2027-01-18T11:30:00Z"), 60) == utc("2027-01-18T13:30:00Z")
    assert hours.add(utc("2027-01-18T23:30:00Z"), 60) == utc("2027-01-25T08:30:00Z")


def test_without_business_hours_time_is_wall_clock_time():
    assert add_time(utc("2027-01-15T16:30:00+01:00"), 60, None) == \
        utc("2027-01-15T17:30:00+01:00")


@pytest.mark.parametrize(("zone", "hours", "field"), [
    ("Mars/Olympus", WEEKDAYS, "time_zone"),
    (None, WEEKDAYS, "time_zone"),
    ("UTC", {"monday": [["08:00", "17:00"]]}, "business_hours.monday"),
    ("UTC", {"mon": [["17:00", "08:00"]]}, "business_hours.mon"),
    ("UTC", {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}, "business_hours.mon"),
    ("UTC", {"mon": [["8:00", "12:00"]]}, "business_hours.mon"),
    ("UTC", {"mon": []}, "business_hours"),
    ("UTC", ["mon"], "business_hours"),
])
def test_bad_hours_name_the_field(zone, hours, field):
    with pytest.raises(ValidationError) as refused:
        BusinessHours.from_json(zone, hours)
    assert field in refused.value.errors
