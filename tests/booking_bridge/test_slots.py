"""Free slots: the hours the account setting names, the time-of-day filter,
daylight-saving days, global services only, single and combined services,
exceptions, and bookings taking slots away (and giving them back)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ringback.booking_bridge.slots import PartOfDay
from ringback.errors import NotFound, ValidationError
from ringback.store.bookings import HoursKind
from tests.booking_bridge.conftest import BERLIN, ONLINE, WORKING, berlin, local_times

MONDAY = date(2027, 2, 1)
SPRING = date(2027, 3, 28)
AUTUMN = date(2027, 10, 31)


def quarter_hours(first: str, last: str) -> list[str]:
    h, m = map(int, first.split(":"))
    out, at = [], h * 60 + m
    h2, m2 = map(int, last.split(":"))
    while at <= h2 * 60 + m2:
        out.append(f"{at // 60:02d}:{at % 60:02d}")
        at += 15
    return out


def day_slots(finder, b, day=MONDAY, **kw):
    kw.setdefault("availability", ONLINE)
    return finder.free_slots(b.service, b.location, day, days=1, **kw)


# -- the account setting "Resource Availability" ---------------------------------

def test_online_booking_hours_give_the_slots_by_default(finder, berlin_shop):
    slots = finder.free_slots(berlin_shop.service, berlin_shop.location, MONDAY, days=1)
    assert local_times(slots) == quarter_hours("09:00", "11:30")


def test_working_hours_give_other_slots_when_the_setting_says_so(finder, berlin_shop):
    online = day_slots(finder, berlin_shop, availability=ONLINE)
    working = day_slots(finder, berlin_shop, availability=WORKING)
    assert local_times(working) == quarter_hours("08:00", "17:30")
    assert local_times(online) != local_times(working)


def test_slots_are_30_minutes_on_the_resource(finder, berlin_shop):
    slot = day_slots(finder, berlin_shop)[0]
    assert slot.starts_at == berlin("2027-02-01 09:00")
    assert slot.ends_at == berlin("2027-02-01 09:30")
    assert [(p.resource_id, p.service_id) for p in slot.parts] == [
        (berlin_shop.anna, berlin_shop.service)]
    assert slot.local_start(BERLIN).strftime("%H:%M") == "09:00"


# -- time of day ------------------------------------------------------------------------

@pytest.mark.parametrize(("part", "first", "last"), [
    (PartOfDay.MORNING, "08:00", "11:45"),
    (PartOfDay.AFTERNOON, "12:00", "16:45"),
    (PartOfDay.EVENING, "17:00", "17:30"),
])
def test_the_time_of_day_filter_keeps_starts_of_that_part(finder, berlin_shop, part, first,
                                                          last):
    slots = day_slots(finder, berlin_shop, availability=WORKING, part_of_day=part)
    assert local_times(slots) == quarter_hours(first, last)


# -- daylight saving (Europe/Berlin) -------------------------------------------------------

def test_spring_forward_day_offers_each_real_start_once(shop, finder):
    location = shop.location("Night shift")
    service = shop.service("Check", 30, at=[location])
    nina = shop.resource(location, "Nina")
    shop.hours(nina, HoursKind.ONLINE, "01:00", "04:00")
    slots = finder.free_slots(service, location, SPRING, days=1, availability=ONLINE)
    # 02:00-03:00 does not exist that night: 01:00 CET is followed by 03:00 CEST.
    assert local_times(slots) == ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15",
                                  "03:30"]
    assert [t for t in local_times(slots) if t.endswith(("00", "30"))] == [
        "01:00", "01:30", "03:00", "03:30"]
    starts = [s.starts_at for s in slots]
    assert len(set(starts)) == len(starts)
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in slots)
    # The slot across the change is 30 real minutes: 01:45 CET to 03:15 CEST.
    across = slots[3]
    assert across.ends_at.astimezone(BERLIN).strftime("%H:%M %Z") == "03:15 CEST"
    # Nothing lost: every quarter hour of the two real hours starts a slot.
    assert starts == [berlin("2027-03-28 01:00") + timedelta(minutes=15 * n)
                      for n in range(7)]


def test_fall_back_day_offers_the_repeated_hour_twice_each_start_once(shop, finder):
    location = shop.location("Night shift")
    service = shop.service("Check", 30, at=[location])
    nina = shop.resource(location, "Nina")
    shop.hours(nina, HoursKind.ONLINE, "01:00", "04:00")
    slots = finder.free_slots(service, location, AUTUMN, days=1, availability=ONLINE)
    labels = [s.starts_at.astimezone(BERLIN).strftime("%H:%M %Z") for s in slots]
    assert labels == [*(f"{t} CEST" for t in quarter_hours("01:00", "02:45")),
                      *(f"{t} CET" for t in quarter_hours("02:00", "03:30"))]
    starts = [s.starts_at for s in slots]
    assert len(set(starts)) == len(starts) == 4 * 4 - 1
    assert all(later - earlier == timedelta(minutes=15)
               for earlier, later in zip(starts, starts[1:], strict=False))


# -- only global services, offered at the location -------------------------------------------

def test_a_local_service_is_refused(shop, finder, berlin_shop):
    local = shop.service("Local special", 30, at=[berlin_shop.location],
                         local_to=berlin_shop.location)
    with pytest.raises(ValidationError) as refused:
        finder.free_slots(local, berlin_shop.location, MONDAY, days=1)
    assert "global" in refused.value.errors["service_id"]


def test_a_location_that_does_not_offer_the_service_is_refused(shop, finder, berlin_shop):
    london = shop.location("London", "Europe/London")
    with pytest.raises(ValidationError) as refused:
        finder.free_slots(berlin_shop.service, london, MONDAY, days=1)
    assert set(refused.value.errors) == {"location_id"}


def test_unknown_ids_and_bad_days_are_named(finder, berlin_shop):
    with pytest.raises(NotFound):
        finder.free_slots(999_999, berlin_shop.location, MONDAY)
    with pytest.raises(NotFound):
        finder.free_slots(berlin_shop.service, 2**31, MONDAY)
    with pytest.raises(ValidationError) as refused:
        finder.free_slots(berlin_shop.service, berlin_shop.location, MONDAY, days=0)
    assert set(refused.value.errors) == {"days"}


# -- single and combined ----------------------------------------------------------------

@pytest.fixture
def wash_and_cut(shop, berlin_shop):
    wash = shop.service("Wash", 15, at=[berlin_shop.location])
    return shop.combined("Wash and cut", [wash, berlin_shop.service],
                         at=[berlin_shop.location]), wash


def test_a_combined_service_places_its_parts_back_to_back(finder, berlin_shop, wash_and_cut):
    combined, wash = wash_and_cut
    slots = finder.free_slots(combined, berlin_shop.location, MONDAY, days=1)
    # 45 minutes in 09:00-12:00: the last start is 11:15.
    assert local_times(slots) == quarter_hours("09:00", "11:15")
    first = slots[0]
    assert [(p.service_id, p.starts_at, p.ends_at) for p in first.parts] == [
        (wash, berlin("2027-02-01 09:00"), berlin("2027-02-01 09:15")),
        (berlin_shop.service, berlin("2027-02-01 09:15"), berlin("2027-02-01 09:45"))]
    assert {p.resource_id for p in first.parts} == {berlin_shop.anna}
    assert first.ends_at == berlin("2027-02-01 09:45")


def test_a_gap_too_short_for_the_whole_combined_service_is_not_offered(
        finder, book, berlin_shop, wash_and_cut):
    combined, _ = wash_and_cut
    book.book(berlin_shop.customer, berlin_shop.service, berlin_shop.location,
              [berlin("2027-02-01 09:00"), berlin("2027-02-01 10:00")],
              multiple_allowed=True, availability=ONLINE)
    # Anna is free 09:30-10:00: room for the 30-minute cut, not for 45 minutes.
    single = local_times(day_slots(finder, berlin_shop))
    assert single[:2] == ["09:30", "10:30"]
    combined_slots = finder.free_slots(combined, berlin_shop.location, MONDAY, days=1)
    assert local_times(combined_slots)[0] == "10:30"


def test_combined_parts_may_go_to_another_free_resource(shop, finder, book, berlin_shop,
                                                        wash_and_cut):
    combined, wash = wash_and_cut
    bob = shop.resource(berlin_shop.location, "Bob")
    shop.hours(bob, HoursKind.ONLINE, "09:00", "12:00")
    # Anna is taken at 09:15-09:45 (her part two would be), Bob is not.
    book.book(berlin_shop.customer, berlin_shop.service, berlin_shop.location,
              [berlin("2027-02-01 09:15")], multiple_allowed=False, availability=ONLINE)
    slot = finder.free_slots(combined, berlin_shop.location, MONDAY, days=1)[0]
    assert slot.starts_at == berlin("2027-02-01 09:00")
    assert [p.resource_id for p in slot.parts] == [berlin_shop.anna, bob]
    # Where Anna is free for both parts, both stay with her.
    later = next(s for s in finder.free_slots(combined, berlin_shop.location, MONDAY, days=1)
                 if s.starts_at == berlin("2027-02-01 10:00"))
    assert [p.resource_id for p in later.parts] == [berlin_shop.anna, berlin_shop.anna]


# -- bookings, exceptions, the clock -------------------------------------------------------

def test_a_booked_slot_is_no_longer_offered_and_a_cancelled_one_is_again(finder, book,
                                                                        berlin_shop):
    made = book.book(berlin_shop.customer, berlin_shop.service, berlin_shop.location,
                     [berlin("2027-02-01 10:00")], multiple_allowed=False,
                     availability=ONLINE)
    taken = local_times(day_slots(finder, berlin_shop))
    assert "10:00" not in taken and "09:45" not in taken and "10:15" not in taken
    assert "09:30" in taken and "10:30" in taken
    book.cancel([made[0].id])
    assert local_times(day_slots(finder, berlin_shop)) == quarter_hours("09:00", "11:30")


def test_one_resource_busy_leaves_the_time_to_another(shop, finder, book, berlin_shop):
    bob = shop.resource(berlin_shop.location, "Bob")
    shop.hours(bob, HoursKind.ONLINE, "09:00", "12:00")
    book.book(berlin_shop.customer, berlin_shop.service, berlin_shop.location,
              [berlin("2027-02-01 10:00")], multiple_allowed=False, availability=ONLINE)
    slots = day_slots(finder, berlin_shop)
    assert local_times(slots) == quarter_hours("09:00", "11:30")
    at_ten = next(s for s in slots if s.starts_at == berlin("2027-02-01 10:00"))
    assert [p.resource_id for p in at_ten.parts] == [bob]


def test_a_closed_day_has_no_slots_and_extra_hours_have_some(shop, finder, berlin_shop):
    shop.exception(berlin_shop.anna, MONDAY, "closed")
    shop.exception(berlin_shop.anna, MONDAY + timedelta(days=1), "closed", "10:00", "11:00")
    shop.exception(berlin_shop.anna, MONDAY + timedelta(days=2), "extra", "14:00", "15:00")
    slots = finder.free_slots(berlin_shop.service, berlin_shop.location, MONDAY, days=3)
    by_day: dict[date, list[str]] = {}
    for s in slots:
        local = s.starts_at.astimezone(BERLIN)
        by_day.setdefault(local.date(), []).append(local.strftime("%H:%M"))
    assert MONDAY not in by_day
    assert by_day[MONDAY + timedelta(days=1)] == ["09:00", "09:15", "09:30", "11:00",
                                                  "11:15", "11:30"]
    assert by_day[MONDAY + timedelta(days=2)] == [*quarter_hours("09:00", "11:30"),
                                                  "14:00", "14:15", "14:30"]


def test_only_future_starts_are_offered(finder, clock, berlin_shop):
    clock.set(berlin("2027-02-01 10:07").timestamp())
    assert local_times(day_slots(finder, berlin_shop))[0] == "10:15"
    clock.set(berlin("2027-02-01 10:15").timestamp())
    assert local_times(day_slots(finder, berlin_shop))[0] == "10:30"
    clock.set(berlin("2027-02-02 00:00").timestamp())
    assert day_slots(finder, berlin_shop) == []


def test_several_days_are_searched_in_time_order(finder, berlin_shop):
    slots = finder.free_slots(berlin_shop.service, berlin_shop.location, MONDAY, days=7)
    assert len(slots) == 7 * 11
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)
