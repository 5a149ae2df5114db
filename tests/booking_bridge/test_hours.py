"""Open hours of one local day as UTC spans: weekly hours, exceptions, and the
two daylight-saving days of Europe/Berlin (2027: 28 March and 31 October)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ringback.booking_bridge.hours import LocalDay, open_minutes, open_spans
from ringback.store.bookings import HoursKind, Resource, ResourceException, ResourceHours
from tests.booking_bridge.conftest import BERLIN, minute

SPRING = date(2027, 3, 28)  # 02:00 CET -> 03:00 CEST
AUTUMN = date(2027, 10, 31)  # 03:00 CEST -> 02:00 CET
MONDAY = date(2027, 2, 1)


def resource(*spans: tuple[str, str], kind: HoursKind = HoursKind.ONLINE,
             exceptions: tuple[ResourceException, ...] = ()) -> Resource:
    return Resource(hours=[ResourceHours(kind=kind.value, weekday=d, start_minute=minute(s),
                                         end_minute=minute(e))
                           for d in range(7) for s, e in spans],
                    exceptions=list(exceptions))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_an_ordinary_day_is_its_wall_hours_shifted_by_the_zone():
    spans = open_spans(resource(("09:00", "12:00"), ("13:00", "17:00")), MONDAY,
                       HoursKind.ONLINE, BERLIN)
    assert spans == [(utc("2027-02-01 08:00"), utc("2027-02-01 11:00")),
                     (utc("2027-02-01 12:00"), utc("2027-02-01 16:00"))]


def test_the_other_kind_of_hours_is_not_mixed_in():
    both = resource(("09:00", "12:00"), kind=HoursKind.WORKING)
    assert open_spans(both, MONDAY, HoursKind.ONLINE, BERLIN) == []
    assert len(open_spans(both, MONDAY, HoursKind.WORKING, BERLIN)) == 1


def test_spring_forward_loses_the_skipped_hour_and_nothing_else():
    spans = open_spans(resource(("01:00", "04:00")), SPRING, HoursKind.ONLINE, BERLIN)
    # 01:00 CET is 00:00 UTC, 04:00 CEST is 02:00 UTC: two real hours are open.
    assert spans == [(utc("2027-03-28 00:00"), utc("2027-03-28 02:00"))]


def test_spring_forward_wall_times_in_the_gap_snap_to_its_end():
    inside = open_spans(resource(("02:15", "02:45")), SPRING, HoursKind.ONLINE, BERLIN)
    assert inside == []
    into = open_spans(resource(("01:30", "02:30")), SPRING, HoursKind.ONLINE, BERLIN)
    assert into == [(utc("2027-03-28 00:30"), utc("2027-03-28 01:00"))]
    out_of = open_spans(resource(("02:30", "04:00")), SPRING, HoursKind.ONLINE, BERLIN)
    assert out_of == [(utc("2027-03-28 01:00"), utc("2027-03-28 02:00"))]


def test_fall_back_opens_the_repeated_hour_twice():
    spans = open_spans(resource(("01:00", "04:00")), AUTUMN, HoursKind.ONLINE, BERLIN)
    # 01:00 CEST is 23:00 UTC the day before, 04:00 CET is 03:00 UTC: four hours.
    assert spans == [(utc("2027-10-30 23:00"), utc("2027-10-31 03:00"))]
    ending_inside = open_spans(resource(("01:00", "02:30")), AUTUMN, HoursKind.ONLINE, BERLIN)
    # ... to the second 02:30 (CET, 01:30 UTC): 02:00-03:00 CEST and 02:00-02:30 CET.
    assert ending_inside == [(utc("2027-10-30 23:00"), utc("2027-10-31 01:30"))]


def test_a_whole_day_closed_leaves_nothing_and_extra_hours_add_to_the_rest():
    closed = ResourceException(day=MONDAY, kind="closed", start_minute=None, end_minute=None)
    assert open_spans(resource(("09:00", "17:00"), exceptions=(closed,)), MONDAY,
                      HoursKind.ONLINE, BERLIN) == []
    other_day = open_spans(resource(("09:00", "17:00"), exceptions=(closed,)),
                           date(2027, 2, 2), HoursKind.ONLINE, BERLIN)
    assert len(other_day) == 1


def test_closed_spans_are_cut_out_and_extra_hours_merge():
    assert open_minutes([(minute("09:00"), minute("17:00"))],
                        [("closed", minute("12:00"), minute("13:00")),
                         ("extra", minute("17:00"), minute("19:00")),
                         ("extra", minute("06:00"), minute("07:00"))]) == [
        (minute("06:00"), minute("07:00")), (minute("09:00"), minute("12:00")),
        (minute("13:00"), minute("19:00"))]
    # Extra hours count even on a day closed as a whole (a special opening).
    assert open_minutes([(540, 1020)], [("closed", None, None), ("extra", 600, 660)]) == [
        (600, 660)]


def test_wall_minutes_come_back_on_both_kinds_of_day():
    for day in (MONDAY, SPRING, AUTUMN):
        local = LocalDay(day, BERLIN)
        for wall in (0, 60, 180, 600, 1439):
            assert local.wall_minute(local.instant(wall)) == wall
    assert LocalDay(MONDAY, BERLIN).regular
    assert not LocalDay(SPRING, BERLIN).regular
