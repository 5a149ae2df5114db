"""The booking self-service on the phone: a caller with an upcoming appointment who
chooses the booking option hears it, and keeps it (1), cancels it (2, with the
cancellation mail) or speaks to someone (3). Driven the way Twilio drives it."""

from __future__ import annotations

from ringback.console.account_settings import ResourceAvailability
from ringback.ivr.prompts import PromptKey
from ringback.queue.models import Intent
from ringback.store.bookings import BookingStatus
from tests import booking_example
from tests.booking_example import CALLER, MONDAY
from tests.e2e.conftest import BUSINESS, text

MENU = {
    "greetings": {"menu": {"text": "For appointments press 1."}},
    "menu": [{"digit": "1", "action": "queue", "queue_id": "bookings", "intent": "booking"}],
}


def book_monday(services):
    business = booking_example.build(services.booking_catalog, services.customers)
    slot = services.slots.free_slots(
        business.haircut_id, business.location_id, MONDAY, days=1, part_of_day=None,
        availability=ResourceAvailability.ONLINE_BOOKING_HOURS)[4]  # 10:00 in Berlin
    (booking,) = services.bookings.book(
        business.customer_id, business.haircut_id, business.location_id, [slot.starts_at],
        multiple_allowed=False, availability=ResourceAvailability.ONLINE_BOOKING_HOURS)
    return booking


def test_the_caller_hears_the_next_appointment_and_cancels_it_with_two(
        configure, phone, services):
    configure(**MENU)
    booking = book_monday(services)
    call = phone.dial(BUSINESS, CALLER)
    call.press("1")
    assert call.said()[-1] == text(
        PromptKey.APPOINTMENT_NEXT, service="Haircut", location="Berlin Mitte",
        day="Monday, January 18", time="10:00")
    call.press("2")

    assert call.ended
    assert call.said()[-2:] == [text(PromptKey.APPOINTMENT_CANCELLED), text(PromptKey.GOODBYE)]
    assert services.bookings.get(booking.id).status == BookingStatus.CANCELLED.value
    assert services.queue.entries("bookings") == []
    subjects = [m.subject for m in services.outbox.all()]
    assert any("cancel" in s.lower() for s in subjects), subjects


def test_one_keeps_the_appointment_and_three_puts_the_caller_through(
        configure, phone, services):
    configure(**MENU)
    booking = book_monday(services)
    kept = phone.dial(BUSINESS, CALLER)
    kept.press("1")
    kept.press("1")
    assert kept.ended and text(PromptKey.APPOINTMENT_KEPT) in kept.said()
    assert services.bookings.get(booking.id).status == BookingStatus.BOOKED.value

    through = phone.dial(BUSINESS, CALLER)
    through.press("1")
    through.press("3")
    (entry,) = services.queue.entries("bookings")
    assert (entry.call_sid, entry.intent) == (through.call_sid, Intent.BOOKING)
    assert services.bookings.get(booking.id).status == BookingStatus.BOOKED.value


def test_a_caller_without_an_appointment_joins_the_queue_at_once(configure, phone, services):
    configure(**MENU)
    book_monday(services)
    call = phone.dial(BUSINESS, "+4915100000001")
    call.press("1")
    assert not any(said.startswith("Your next appointment") for said in call.said())
    (entry,) = services.queue.entries("bookings")
    assert entry.call_sid == call.call_sid


def test_the_appointment_is_read_in_the_numbers_language(configure, phone, services):
    configure(language="de", **MENU)
    book_monday(services)
    call = phone.dial(BUSINESS, CALLER)
    call.press("1")
    assert "Montag, den 18. Januar um 10:00" in call.said()[-1]
