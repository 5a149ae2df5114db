"""Booking mails through the real mailer's outbox: who gets which mail, the
internal note only for resources, and a reschedule that changes the resource."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.booking_bridge.notices import BookingNotices
from ringback.console.account_settings import ResourceAvailability
from ringback.console.mail import Outbox
from ringback.customers import CustomerDirectory
from ringback.store.bookings import HoursKind

ONLINE = ResourceAvailability.ONLINE_BOOKING_HOURS


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def shop(services):
    catalog = BookingCatalog(services.db)
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                  "location_ids": [berlin.id]})
    staff = [catalog.create_resource({"location_id": berlin.id, "name": name,
                                      "email": f"{name.lower()}@shop.example"})
             for name in ("Ana", "Ben")]
    for person in staff:
        catalog.set_hours(person.id, HoursKind.ONLINE,
                          [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)])
    customers = CustomerDirectory(services.db)
    household = customers.create_customer({"name": "H"})
    ada = customers.create_user({"customer_id": household.id, "name": "Ada",
                                 "email": "ada@example.com"})
    nomail = customers.create_user({"customer_id": household.id, "name": "Nomail"})
    return {"berlin": berlin.id, "cut": cut.id, "ana": staff[0].id, "ben": staff[1].id,
            "ada": ada.id, "nomail": nomail.id}


@pytest.fixture
def notices(services):
    return BookingNotices(services.db, services.mailer, services.clock,
                          public_base_url=services.settings.public_base_url,
                          sender=services.mailer.sender)


def _book(services, shop, customer, start, note=""):
    return services.bookings.book(shop[customer], shop["cut"], shop["berlin"], [_at(start)],
                                  note=note, multiple_allowed=True, availability=ONLINE)


def _outbox(services):
    box = Outbox.of(services.settings)
    return {(m.to, m.subject.split(":")[0]): m for m in box.all()}, box


def test_the_note_goes_to_the_resource_only(services, shop, notices):
    made = _book(services, shop, "ada", "2027-01-18T09:00:00+01:00", note="Knee surgery")
    sent = notices.booked(made)
    assert sorted(m.to for m in sent) == ["ada@example.com", "ana@shop.example"]
    mails, box = _outbox(services)
    customer = mails[("ada@example.com", "Booked")]
    resource = mails[("ana@shop.example", "Booked")]
    assert "Knee surgery" not in customer.body
    assert "Internal note: Knee surgery" in resource.body
    for mail in (customer, resource):
        [name] = mail.attachments
        data = box.attachment(mail.id, name).data
        assert (b"Knee" in data) == (mail is resource)
        assert Calendar.from_ical(data).walk("VEVENT")[0].decoded("dtstart") == \
            _at("2027-01-18T09:00:00+01:00")


def test_people_without_an_address_and_unchecked_boxes_get_nothing(services, shop, notices):
    made = _book(services, shop, "nomail", "2027-01-18T09:00:00+01:00")
    assert [m.to for m in notices.booked(made)] == ["ana@shop.example"]
    assert notices.booked(made, notify_customer=False, notify_resource=False) == []
    assert [m.to for m in notices.booked(made, notify_resource=False)] == []


def test_a_reschedule_to_another_resource_tells_both(services, shop, notices):
    [mine] = _book(services, shop, "ada", "2027-01-18T09:00:00+01:00")
    _book(services, shop, "nomail", "2027-01-18T10:00:00+01:00")  # Ana is busy at 10:00
    assert {p.resource_id for p in mine.parts} == {shop["ana"]}
    moved = services.bookings.reschedule(mine.id, _at("2027-01-18T10:00:00+01:00"),
                                         availability=ONLINE)
    assert {p.resource_id for p in moved.parts} == {shop["ben"]}
    sent = notices.rescheduled(mine, moved)
    assert sorted((m.to, m.subject.split(":")[0]) for m in sent) == [
        ("ada@example.com", "Moved"), ("ana@shop.example", "Cancelled"),
        ("ben@shop.example", "Booked")]
    mails, box = _outbox(services)
    customer = mails[("ada@example.com", "Moved")]
    assert "(was Mon 18 Jan 2027, 09:00" in customer.body
    freed = mails[("ana@shop.example", "Cancelled")]
    calendar = Calendar.from_ical(box.attachment(freed.id, freed.attachments[0]).data)
    assert str(calendar["method"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("dtstart") == _at("2027-01-18T09:00:00+01:00")
    moved_event = Calendar.from_ical(box.attachment(
        customer.id, customer.attachments[0]).data).walk("VEVENT")[0]
    assert int(moved_event["sequence"]) >= 1
    assert str(moved_event["uid"]) == str(event["uid"])
