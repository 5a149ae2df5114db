"""Booking, rescheduling and cancelling: Multiple Slot Selection, all or
nothing, the 30 limit, the location fixed on reschedule, location-only
customers, and the reads the console and the IVR use."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from ringback.booking_bridge.bookings import MAX_SELECTED, BookingBook, SlotTaken
from ringback.booking_bridge.slots import SlotFinder
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.store.bookings import Booking, BookingPart, HoursKind
from tests.booking_bridge.conftest import ONLINE, WORKING, berlin, local_times

MONDAY = date(2027, 2, 1)
NINE = berlin("2027-02-01 09:00")


def quarter(n: int):
    """The n-th quarter hour after Monday 09:00 (Berlin)."""
    return NINE + timedelta(minutes=15 * n)


def make(book, shop_, starts, *, multiple=True, customer=None, **kw):
    return book.book(customer or shop_.customer, shop_.service, shop_.location, starts,
                     multiple_allowed=multiple, availability=kw.pop("availability", ONLINE),
                     **kw)


def active_parts(db) -> int:
    with db.session() as session:
        return session.query(BookingPart).filter(BookingPart.active.is_(True)).count()


def test_wired_in_services(services):
    assert isinstance(services.bookings, BookingBook)
    assert isinstance(services.slots, SlotFinder)


# -- booking -------------------------------------------------------------------------------

def test_a_booking_records_who_what_where_and_when(shop, book, berlin_shop):
    agent = shop.agent()
    made = make(book, berlin_shop, [quarter(4)], note="left-handed", agent_id=agent,
                call_ref="entry-1")
    assert len(made) == 1
    booking = made[0]
    assert (booking.customer_user_id, booking.service_id, booking.location_id) == (
        berlin_shop.customer, berlin_shop.service, berlin_shop.location)
    assert (booking.starts_at, booking.ends_at) == (quarter(4), quarter(6))
    assert booking.starts_at.tzinfo is not None
    assert (booking.note, booking.booked_by_agent_id, booking.call_ref, booking.status) == (
        "left-handed", agent, "entry-1", "booked")
    assert [(p.resource_id, p.active) for p in booking.parts] == [(berlin_shop.anna, True)]
    assert book.get(booking.id).starts_at == quarter(4)


def test_multiple_slot_selection_on_books_each_start(book, berlin_shop):
    made = make(book, berlin_shop, [quarter(0), quarter(4)], multiple=True)
    assert [b.starts_at for b in made] == [quarter(0), quarter(4)]


def test_multiple_slot_selection_off_accepts_only_one_start(db, book, berlin_shop):
    with pytest.raises(ValidationError) as refused:
        make(book, berlin_shop, [quarter(0), quarter(4)], multiple=False)
    assert "Multiple Slot Selection" in refused.value.errors["starts"]
    assert active_parts(db) == 0
    assert len(make(book, berlin_shop, [quarter(0)], multiple=False)) == 1


def test_several_starts_are_all_or_nothing(db, book, berlin_shop):
    make(book, berlin_shop, [quarter(4)])
    with pytest.raises(SlotTaken) as taken:
        make(book, berlin_shop, [quarter(0), quarter(4)])
    assert taken.value.starts_at == quarter(4)
    assert str(taken.value) == "this slot was just taken; pick another"
    assert active_parts(db) == 1


def test_two_chosen_starts_may_not_overlap_each_other(db, book, berlin_shop):
    with pytest.raises(SlotTaken):
        make(book, berlin_shop, [quarter(0), quarter(1)])
    assert active_parts(db) == 0


def test_a_booked_slot_cannot_be_booked_again(shop, book, berlin_shop):
    make(book, berlin_shop, [quarter(4)])
    other = shop.customer("Dora")
    with pytest.raises(SlotTaken):
        make(book, berlin_shop, [quarter(5)], customer=other)


def test_a_start_that_is_no_slot_at_all_is_a_field_error(book, clock, berlin_shop):
    for start in (NINE + timedelta(minutes=5),  # off the grid
                  berlin("2027-02-01 13:00"),  # outside the online hours
                  NINE - timedelta(days=30)):  # past
        with pytest.raises(ValidationError) as refused:
            make(book, berlin_shop, [start])
        assert "is not a start" in refused.value.errors["starts"]
    # 13:00 is a start under working hours.
    assert make(book, berlin_shop, [berlin("2027-02-01 13:00")], availability=WORKING)


def test_starts_must_be_given_whole_and_once(book, berlin_shop):
    for starts in ([], [NINE + timedelta(seconds=30)], [NINE, NINE],
                   [quarter(n) for n in range(MAX_SELECTED + 1)]):
        with pytest.raises(ValidationError) as refused:
            make(book, berlin_shop, starts)
        assert set(refused.value.errors) == {"starts"}
    with pytest.raises(ValidationError) as refused:
        make(book, berlin_shop, [NINE], note="x" * 2001)
    assert set(refused.value.errors) == {"note"}


def test_only_global_services_can_be_booked(shop, book, berlin_shop):
    local = shop.service("Local special", 30, at=[berlin_shop.location],
                         local_to=berlin_shop.location)
    with pytest.raises(ValidationError) as refused:
        book.book(berlin_shop.customer, local, berlin_shop.location, [NINE],
                  multiple_allowed=True, availability=ONLINE)
    assert "global" in refused.value.errors["service_id"]


def test_a_location_only_customer_of_another_location_is_refused(db, shop, book,
                                                                 berlin_shop):
    london = shop.location("London", "Europe/London")
    theirs = shop.customer("Lena", location_id=london)
    with pytest.raises(ValidationError) as refused:
        make(book, berlin_shop, [NINE], customer=theirs)
    assert set(refused.value.errors) == {"customer_user_id"}
    assert active_parts(db) == 0
    ours = shop.customer("Bert", location_id=berlin_shop.location)
    assert make(book, berlin_shop, [NINE], customer=ours)


def test_unknown_customer_and_agent_are_not_found(book, berlin_shop):
    with pytest.raises(NotFound):
        make(book, berlin_shop, [NINE], customer=999_999)
    with pytest.raises(NotFound):
        make(book, berlin_shop, [NINE], agent_id=2**31)


# -- rescheduling ------------------------------------------------------------------------------

def test_reschedule_moves_the_booking_and_frees_the_old_time(db, book, finder, berlin_shop):
    booking = make(book, berlin_shop, [quarter(0)])[0]
    moved = book.reschedule(booking.id, quarter(8), availability=ONLINE)
    assert (moved.id, moved.starts_at, moved.ends_at) == (booking.id, quarter(8), quarter(10))
    assert [(p.starts_at, p.active) for p in moved.parts] == [(quarter(8), True)]
    times = local_times(finder.free_slots(berlin_shop.service, berlin_shop.location, MONDAY,
                                          days=1))
    assert "09:00" in times and "11:00" not in times
    assert active_parts(db) == 1


def test_reschedule_may_overlap_its_own_old_time(book, berlin_shop):
    booking = make(book, berlin_shop, [quarter(0)])[0]
    assert book.reschedule(booking.id, quarter(1), availability=ONLINE).starts_at == quarter(1)


def test_reschedule_keeps_the_location(shop, book, berlin_shop):
    booking = make(book, berlin_shop, [quarter(0)])[0]
    london = shop.location("London", "Europe/London")
    with pytest.raises(ValidationError) as refused:
        book.reschedule(booking.id, quarter(4), availability=ONLINE, location_id=london)
    assert refused.value.errors == {
        "location_id": "cannot change when rescheduling; cancel and book again"}
    assert book.get(booking.id).starts_at == quarter(0)
    same = book.reschedule(booking.id, quarter(4), availability=ONLINE,
                           location_id=berlin_shop.location)
    assert same.location_id == berlin_shop.location


def test_reschedule_onto_a_taken_slot_or_of_a_cancelled_booking_is_refused(shop, book,
                                                                          berlin_shop):
    first, second = make(book, berlin_shop, [quarter(0), quarter(4)])
    with pytest.raises(SlotTaken):
        book.reschedule(first.id, quarter(4), availability=ONLINE)
    book.cancel([second.id])
    with pytest.raises(Conflict):
        book.reschedule(second.id, quarter(8), availability=ONLINE)


# -- cancelling ------------------------------------------------------------------------------

def test_cancel_marks_bookings_cancelled_and_their_parts_inactive(db, book, clock,
                                                                  berlin_shop):
    made = make(book, berlin_shop, [quarter(0), quarter(4)])
    cancelled = book.cancel([b.id for b in made])
    assert [b.status for b in cancelled] == ["cancelled", "cancelled"]
    assert all(b.cancelled_at is not None and b.cancelled_at.tzinfo for b in cancelled)
    assert cancelled[0].cancelled_at.timestamp() == pytest.approx(clock.now())
    assert active_parts(db) == 0
    with pytest.raises(Conflict):
        book.cancel([made[0].id])


def test_at_most_30_bookings_are_cancelled_at_once(db, book, berlin_shop):
    made = make(book, berlin_shop, [quarter(2 * n) for n in range(6)])
    for day in range(1, 5):
        made += make(book, berlin_shop, [quarter(2 * n) + timedelta(days=day)
                                         for n in range(6)])
    made += make(book, berlin_shop, [quarter(0) + timedelta(days=5)])
    assert len(made) == 31
    ids = [b.id for b in made]
    with pytest.raises(ValidationError) as refused:
        book.cancel(ids)
    assert "at most 30" in refused.value.errors["booking_ids"]
    assert active_parts(db) == 31
    assert len(book.cancel(ids[:MAX_SELECTED])) == MAX_SELECTED
    assert active_parts(db) == 1


def test_cancel_takes_bookings_of_one_customer_only(shop, book, berlin_shop):
    ours = make(book, berlin_shop, [quarter(0)])[0]
    theirs = make(book, berlin_shop, [quarter(4)], customer=shop.customer("Dora"))[0]
    with pytest.raises(ValidationError) as refused:
        book.cancel([ours.id, theirs.id])
    assert set(refused.value.errors) == {"booking_ids"}
    assert book.get(ours.id).status == "booked"
    with pytest.raises(NotFound):
        book.cancel([ours.id, 999_999])
    with pytest.raises(ValidationError):
        book.cancel([])


# -- reads ------------------------------------------------------------------------------------

def test_for_customer_splits_upcoming_and_previous(book, clock, berlin_shop):
    early, middle, late = make(book, berlin_shop, [quarter(0), quarter(4), quarter(8)])
    book.cancel([late.id])
    clock.set(quarter(2).timestamp())
    upcoming, previous = book.for_customer(berlin_shop.customer)
    assert [b.id for b in upcoming] == [middle.id]
    assert [b.id for b in previous] == [late.id, early.id]


def test_next_upcoming_by_phone_finds_global_customers_only(shop, book, berlin_shop):
    assert book.next_upcoming_by_phone("+4930123456") is None
    first, _ = make(book, berlin_shop, [quarter(4), quarter(8)])
    assert book.next_upcoming_by_phone("+4930123456").id == first.id
    local = shop.customer("Lena", location_id=berlin_shop.location, phone="+4930999999")
    make(book, berlin_shop, [quarter(0)], customer=local)
    assert book.next_upcoming_by_phone("+4930999999") is None


def test_calendar_lists_booked_appointments_of_the_days(shop, book, berlin_shop):
    bob = shop.resource(berlin_shop.location, "Bob")
    shop.hours(bob, HoursKind.ONLINE, "09:00", "12:00")
    monday = make(book, berlin_shop, [quarter(0), quarter(0) + timedelta(days=1)])
    with_bob = make(book, berlin_shop, [quarter(0)])  # Anna is busy: Bob takes it
    gone = make(book, berlin_shop, [quarter(8)])
    book.cancel([gone[0].id])
    day = book.calendar(berlin_shop.location, MONDAY, 1)
    assert [b.id for b in day] == [monday[0].id, with_bob[0].id]
    assert [b.id for b in book.calendar(berlin_shop.location, MONDAY, 1, resource_id=bob)] == [
        with_bob[0].id]
    assert len(book.calendar(berlin_shop.location, MONDAY, 7)) == 3


def test_customer_locations_are_where_they_booked(shop, book, berlin_shop):
    assert book.customer_locations(berlin_shop.customer) == []
    make(book, berlin_shop, [quarter(0)])
    assert [x.id for x in book.customer_locations(berlin_shop.customer)] == [
        berlin_shop.location]


def test_returned_times_are_utc_on_every_database(db, book, berlin_shop):
    made = make(book, berlin_shop, [quarter(0)])[0]
    with db.session() as session:
        stored = session.get(Booking, made.id)
        raw = stored.starts_at  # naive on SQLite, aware on PostgreSQL: UTC either way
        assert (raw if raw.tzinfo else raw.replace(tzinfo=UTC)) == quarter(0)
    fetched = book.get(made.id)
    assert fetched.starts_at.utcoffset() == timedelta(0)
    assert fetched.parts[0].ends_at.utcoffset() == timedelta(0)
