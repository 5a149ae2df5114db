"""GET /calendar/<token>.ics: a resource's bookings as a feed calendar apps subscribe
to; parsed back with the icalendar package, and checked for what Google Calendar
and Outlook insist on (CRLF lines folded at 75 octets, VERSION, PRODID, and
UID, DTSTAMP, DTSTART on every event)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.console.account_settings import ResourceAvailability
from ringback.customers import CustomerDirectory
from ringback.store.bookings import HoursKind

ONLINE = ResourceAvailability.ONLINE_BOOKING_HOURS
DAY = 24 * 3600


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def shop(services):
    catalog = BookingCatalog(services.db)
    berlin = catalog.create_location({"name": "Berlin", "address": "Unter den Linden 1",
                                      "time_zone": "Europe/Berlin"})
    wash = catalog.create_service({"name": "Wash", "duration_minutes": 15,
                                   "location_ids": [berlin.id]})
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                  "location_ids": [berlin.id]})
    combo = catalog.create_service({"name": "Wash and cut", "kind": "combined",
                                    "parts": [wash.id, cut.id], "location_ids": [berlin.id]})
    ana = catalog.create_resource({"location_id": berlin.id, "name": "Ana"})
    ben = catalog.create_resource({"location_id": berlin.id, "name": "Ben"})
    every_day = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)]
    catalog.set_hours(ana.id, HoursKind.ONLINE, every_day)
    catalog.set_hours(ben.id, HoursKind.ONLINE, every_day)
    customers = CustomerDirectory(services.db)
    household = customers.create_customer({"name": "Lovelace"})
    ada = customers.create_user({"customer_id": household.id, "name": "Ada Lovelace",
                                 "email": "ada@example.com", "phones": ["+4915112345678"]})
    return {"berlin": berlin.id, "cut": cut.id, "combo": combo.id, "ana": ana,
            "ben": ben, "ada": ada.id}


def _book(services, shop, service, start, note=""):
    return services.bookings.book(shop["ada"], service, shop["berlin"], [_at(start)],
                                  note=note, multiple_allowed=True, availability=ONLINE)[0]


def _feed(client, token):
    answer = client.get(f"/calendar/{token}.ics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    return answer.get_data()


def test_the_feed_holds_the_resources_bookings_and_parses(client, services, shop):
    # The clock starts at 2027-01-15 08:00 UTC.
    cut = _book(services, shop, shop["cut"], "2027-01-18T09:00:00+01:00",
                note="Allergic to lavender")
    # Ana is busy at 10:00, so the combined service's parts go to Ben.
    _book(services, shop, shop["cut"], "2027-01-18T10:00:00+01:00")
    combo = _book(services, shop, shop["combo"], "2027-01-18T10:00:00+01:00")
    assert {p.resource_id for p in combo.parts} == {shop["ben"].id}
    cancelled = _book(services, shop, shop["cut"], "2027-01-19T09:00:00+01:00")
    services.bookings.cancel([cancelled.id])

    raw = _feed(client, shop["ana"].feed_token)
    calendar = Calendar.from_ical(raw)
    assert str(calendar["version"]) == "2.0" and str(calendar["prodid"])
    assert str(calendar["x-wr-calname"]) == "Ana (ringback)"
    assert str(calendar["x-wr-timezone"]) == "Europe/Berlin"
    events = calendar.walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [
        datetime(2027, 1, 18, 8, 0, tzinfo=UTC), datetime(2027, 1, 18, 9, 0, tzinfo=UTC)]
    first = events[0]
    assert first.decoded("dtend") == datetime(2027, 1, 18, 8, 30, tzinfo=UTC)
    assert str(first["summary"]) == "Cut: Ada Lovelace"
    assert str(first["location"]) == "Berlin, Unter den Linden 1"
    assert "Internal note: Allergic to lavender" in str(first["description"])
    assert "+4915112345678" in str(first["description"])
    assert str(first["uid"]).startswith(f"ringback-booking-{cut.id}@")
    for event in events:
        assert all(name in event for name in ("UID", "DTSTAMP", "DTSTART", "DTEND"))

    # What strict clients insist on: CRLF line ends, lines folded at 75 octets.
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")

    # Ben's feed: only his own part of the combined service (wash 15 + cut 30).
    [ben_event] = Calendar.from_ical(_feed(client, shop["ben"].feed_token)).walk("VEVENT")
    assert ben_event.decoded("dtstart") == datetime(2027, 1, 18, 9, 0, tzinfo=UTC)
    assert ben_event.decoded("dtend") == datetime(2027, 1, 18, 9, 45, tzinfo=UTC)


def test_bookings_older_than_30_days_drop_out(client, services, shop, clock):
    _book(services, shop, shop["cut"], "2027-01-18T09:00:00+01:00")
    clock.advance(3 * DAY + 20 * DAY)  # 20 days after it
    assert len(Calendar.from_ical(_feed(client, shop["ana"].feed_token)).walk("VEVENT")) == 1
    clock.advance(11 * DAY)  # 31 days after it
    assert Calendar.from_ical(_feed(client, shop["ana"].feed_token)).walk("VEVENT") == []


def test_an_unknown_or_renewed_token_is_404_and_no_login_is_asked(client, services, shop):
    for token in ("nope", "x" * 43, "x" * 500, shop["ana"].feed_token[:-1]):
        assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{shop['ana'].feed_token}").status_code == 404
    BookingCatalog(services.db).renew_feed_token(shop["ana"].id)
    assert client.get(f"/calendar/{shop['ana'].feed_token}.ics").status_code == 404
    renewed = BookingCatalog(services.db).get_resource(shop["ana"].id)
    assert client.get(f"/calendar/{renewed.feed_token}.ics").status_code == 200
