"""BookingCatalog: locations, services, resources, weekly hours and exceptions
on the real database; every rule's field error names the field."""

from __future__ import annotations

from datetime import date

import pytest

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.customers import CustomerDirectory
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.store.bookings import HoursKind


@pytest.fixture
def catalog(db) -> BookingCatalog:
    return BookingCatalog(db)


def _errors(call, *args) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call(*args)
    return caught.value.errors


def test_a_location_needs_a_name_and_a_real_iana_zone(catalog):
    berlin = catalog.create_location({"name": " Berlin ", "address": "Unter den Linden 1",
                                      "time_zone": "Europe/Berlin"})
    assert (berlin.name, berlin.time_zone) == ("Berlin", "Europe/Berlin")
    errors = _errors(catalog.create_location, {"name": "", "time_zone": "Europe/Atlantis",
                                               "colour": "red"})
    assert set(errors) == {"name", "time_zone", "colour"}
    assert "IANA time zone" in errors["time_zone"]
    for zone in ("", "../etc/passwd", "europe/berlin", 5, None, "x" * 65):
        assert "time_zone" in _errors(catalog.create_location, {"name": "X", "time_zone": zone})
    assert "another location" in _errors(catalog.create_location,
                                         {"name": "Berlin", "time_zone": "UTC"})["name"]
    changed = catalog.update_location(berlin.id, {"time_zone": "Europe/London"})
    assert (changed.name, changed.time_zone) == ("Berlin", "Europe/London")
    assert [loc.name for loc in catalog.locations()] == ["Berlin"]


def test_ids_no_row_can_have_are_not_found(catalog):
    for ident in (0, -1, 999, 2**31, 2**63, "abc"):
        for call in (catalog.get_location, catalog.get_service, catalog.get_resource):
            with pytest.raises(NotFound):
                call(ident)
    with pytest.raises(NotFound):
        catalog.update_location(2**31, {"name": "X"})
    with pytest.raises(NotFound):
        catalog.delete_resource(2**31)


def test_single_services_last_5_to_720_minutes(catalog):
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                  "location_ids": [berlin.id]})
    assert (cut.kind, cut.duration_minutes, cut.location_id, cut.location_ids,
            cut.part_ids) == ("single", 30, None, [berlin.id], [])
    for minutes in (4, 721, 0, "30", 30.0, True, None):
        errors = _errors(catalog.create_service, {"name": "X", "duration_minutes": minutes})
        assert errors == {"duration_minutes": "must be a whole number from 5 to 720"}
    assert catalog.create_service({"name": "Long", "duration_minutes": 720}).duration_minutes \
        == 720
    assert "combined" in _errors(catalog.create_service,
                                 {"name": "X", "duration_minutes": 10, "parts": [1, 2]})["parts"]


def test_combined_services_are_two_or_more_single_ones_and_last_their_sum(catalog):
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    london = catalog.create_location({"name": "London", "time_zone": "Europe/London"})
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30})
    colour = catalog.create_service({"name": "Colour", "duration_minutes": 45})
    both = catalog.create_service({"name": "Cut and colour", "kind": "combined",
                                   "parts": [colour.id, cut.id],
                                   "location_ids": [berlin.id, london.id]})
    assert (both.kind, both.duration_minutes, both.part_ids) == \
        ("combined", 75, [colour.id, cut.id])

    assert "2 to 10" in _errors(catalog.create_service, {"name": "X", "kind": "combined",
                                                         "parts": [cut.id]})["parts"]
    errors = _errors(catalog.create_service, {"name": "X", "kind": "combined",
                                              "parts": [cut.id, both.id, 999]})
    assert errors == {"parts[1]": "must be a single service (a combined one cannot be a part)",
                      "parts[2]": "names no service (there is no service 999)"}
    assert "sum" in _errors(catalog.create_service, {
        "name": "X", "kind": "combined", "parts": [cut.id, colour.id],
        "duration_minutes": 10})["duration_minutes"]
    assert "must be one of single, combined" == _errors(
        catalog.create_service, {"name": "X", "kind": "bundle"})["kind"]

    # A part's new duration is the combined service's too; parts may be replaced.
    catalog.update_service(cut.id, {"duration_minutes": 40})
    assert catalog.get_service(both.id).duration_minutes == 85
    changed = catalog.update_service(both.id, {"parts": [cut.id, cut.id, colour.id]})
    assert (changed.part_ids, changed.duration_minutes) == ([cut.id, cut.id, colour.id], 125)
    changed = catalog.update_service(both.id, {"parts": [colour.id, cut.id],
                                               "location_ids": [london.id]})
    assert (changed.part_ids, changed.duration_minutes, changed.location_ids) == \
        ([colour.id, cut.id], 85, [london.id])
    assert "cannot change" in _errors(catalog.update_service, both.id, {"kind": "single"})["kind"]

    with pytest.raises(Conflict, match="part of the combined"):
        catalog.delete_service(cut.id)
    catalog.delete_service(both.id)
    catalog.delete_service(cut.id)
    assert [s.name for s in catalog.services()] == ["Colour"]


def test_local_services_are_offered_only_at_their_location(catalog):
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    london = catalog.create_location({"name": "London", "time_zone": "Europe/London"})
    tea = catalog.create_service({"name": "Tea ceremony", "duration_minutes": 60,
                                  "location_id": berlin.id})
    assert (tea.location_id, tea.location_ids) == (berlin.id, [berlin.id])
    errors = _errors(catalog.create_service, {"name": "X", "duration_minutes": 60,
                                              "location_id": berlin.id,
                                              "location_ids": [london.id]})
    assert "only at its own location" in errors["location_ids[0]"]
    assert "names no location" in _errors(catalog.create_service, {
        "name": "X", "duration_minutes": 60, "location_id": 999})["location_id"]
    assert "names no location" in _errors(catalog.create_service, {
        "name": "X", "duration_minutes": 60, "location_ids": [999]})["location_ids[0]"]
    # A global combined service cannot be made of a local part.
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                  "location_ids": [berlin.id, london.id]})
    assert "local to another location" in _errors(catalog.create_service, {
        "name": "X", "kind": "combined", "parts": [cut.id, tea.id]})["parts[1]"]
    local_combo = catalog.create_service({"name": "Cut and tea", "kind": "combined",
                                          "parts": [cut.id, tea.id],
                                          "location_id": berlin.id})
    assert local_combo.duration_minutes == 90

    assert [s.name for s in catalog.services(scope="global")] == ["Cut"]
    assert [s.name for s in catalog.services(scope="local")] == ["Cut and tea", "Tea ceremony"]
    assert [s.name for s in catalog.services(location_id=london.id)] == ["Cut"]


def test_resources_belong_to_a_location_and_get_a_secret_feed_token(catalog):
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    ana = catalog.create_resource({"location_id": berlin.id, "name": "Ana",
                                   "email": "Ana@Example.com"})
    room = catalog.create_resource({"location_id": berlin.id, "name": "Room 1",
                                    "kind": "room"})
    assert (ana.kind, ana.email, room.kind) == ("staff", "ana@example.com", "room")
    assert len(ana.feed_token) >= 43 and ana.feed_token != room.feed_token
    assert catalog.resource_by_feed_token(ana.feed_token).id == ana.id
    assert catalog.resource_by_feed_token("nope") is None
    renewed = catalog.renew_feed_token(ana.id)
    assert renewed.feed_token != ana.feed_token
    assert catalog.resource_by_feed_token(ana.feed_token) is None

    errors = _errors(catalog.create_resource, {"location_id": 2**31, "name": "",
                                               "kind": "robot", "email": "x"})
    assert set(errors) == {"location_id", "name", "kind", "email"}
    assert "names no location" in _errors(catalog.create_resource,
                                          {"location_id": 999, "name": "X"})["location_id"]
    assert "cannot change" in _errors(catalog.update_resource, ana.id,
                                      {"location_id": berlin.id})["location_id"]
    assert catalog.update_resource(ana.id, {"name": "Ana B.", "email": None}).email is None
    assert [r.name for r in catalog.resources(location_id=berlin.id)] == ["Ana B.", "Room 1"]
    catalog.delete_resource(room.id)
    assert [r.name for r in catalog.resources()] == ["Ana B."]


def test_weekly_hours_replace_the_whole_week_of_one_kind(catalog):
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    ana = catalog.create_resource({"location_id": berlin.id, "name": "Ana"})
    catalog.set_hours(ana.id, HoursKind.WORKING, [
        {"weekday": 0, "start": "13:00", "end": "18:00"},
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 5, "start": "22:00", "end": "24:00"}])
    catalog.set_hours(ana.id, HoursKind.ONLINE, [{"weekday": 0, "start": "09:00",
                                                  "end": "11:30"}])
    spans = [(h.weekday, h.start_minute, h.end_minute)
             for h in catalog.hours(ana.id, HoursKind.WORKING)]
    assert spans == [(0, 480, 720), (0, 780, 1080), (5, 1320, 1440)]
    catalog.set_hours(ana.id, HoursKind.WORKING, [{"weekday": 1, "start": "08:00",
                                                   "end": "16:00"}])
    assert [(h.weekday, h.start_minute) for h in catalog.hours(ana.id, HoursKind.WORKING)] \
        == [(1, 480)]
    assert [(h.weekday, h.start_minute) for h in catalog.hours(ana.id, HoursKind.ONLINE)] \
        == [(0, 540)]

    errors = _errors(catalog.set_hours, ana.id, HoursKind.WORKING, [
        {"weekday": 7, "start": "8:00", "end": "25:00"},
        {"weekday": 2, "start": "12:00", "end": "10:00"},
        {"weekday": 3, "start": "08:00", "end": "12:00", "room": 1},
        {"weekday": 4, "start": "08:00", "end": "12:00"},
        {"weekday": 4, "start": "11:00", "end": "13:00"},
        "09:00"])
    assert errors == {
        "hours[0].weekday": "must be a whole number from 0 to 6",
        "hours[0].start": 'must be a time of day "HH:MM" (00:00 to 24:00)',
        "hours[0].end": 'must be a time of day "HH:MM" (00:00 to 24:00)',
        "hours[1].end": "must be after start",
        "hours[2].room": "is not a field of a span of hours; the fields are weekday, start, end",
        "hours[4]": "overlaps hours[3] on the same weekday",
        "hours[5]": 'must be an object {"weekday", "start", "end"}',
    }
    assert "hours" in _errors(catalog.set_hours, ana.id, HoursKind.WORKING, {"mon": []})
    # nothing stored by the refused changes
    assert [(h.weekday, h.start_minute) for h in catalog.hours(ana.id, HoursKind.WORKING)] \
        == [(1, 480)]
    catalog.set_hours(ana.id, HoursKind.WORKING, [])
    assert catalog.hours(ana.id, HoursKind.WORKING) == []


def test_exceptions_close_a_day_or_a_span_or_add_hours(catalog):
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    ana = catalog.create_resource({"location_id": berlin.id, "name": "Ana"})
    holiday = catalog.add_exception(ana.id, {"day": "2027-12-24", "kind": "closed",
                                             "note": "Christmas Eve"})
    assert (holiday.day, holiday.start_minute, holiday.end_minute) == \
        (date(2027, 12, 24), None, None)
    extra = catalog.add_exception(ana.id, {"day": "2027-12-18", "kind": "extra",
                                           "start": "10:00", "end": "14:00"})
    assert (extra.start_minute, extra.end_minute) == (600, 840)
    assert [e.day for e in catalog.exceptions(ana.id)] == [date(2027, 12, 18),
                                                           date(2027, 12, 24)]

    assert _errors(catalog.add_exception, ana.id, {"day": "2027-02-30", "kind": "extra"}) == {
        "day": 'must be a date "YYYY-MM-DD"', "start": "is needed for extra hours",
        "end": "is needed for extra hours"}
    assert "leave both out" in _errors(catalog.add_exception, ana.id, {
        "day": "2027-12-01", "kind": "closed", "start": "10:00"})["end"]
    assert _errors(catalog.add_exception, ana.id, {
        "day": "2027-12-01", "kind": "holiday", "start": "12:00", "end": "10:00"}) == {
        "kind": "must be one of closed, extra", "end": "must be after start"}

    other = catalog.create_resource({"location_id": berlin.id, "name": "Ben"})
    with pytest.raises(NotFound):
        catalog.remove_exception(other.id, holiday.id)
    with pytest.raises(NotFound):
        catalog.remove_exception(ana.id, 2**31)
    catalog.remove_exception(ana.id, holiday.id)
    assert [e.id for e in catalog.exceptions(ana.id)] == [extra.id]


def test_deleting_a_location_keeps_its_location_only_customers_safe(catalog, db):
    berlin = catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"})
    catalog.create_resource({"location_id": berlin.id, "name": "Ana"})
    catalog.create_service({"name": "Local", "duration_minutes": 30, "location_id": berlin.id})
    customers = CustomerDirectory(db)
    household = customers.create_customer({"name": "Kim"})
    kim = customers.create_user({"customer_id": household.id, "name": "Kim",
                                 "location_id": berlin.id})
    with pytest.raises(Conflict, match="location-only"):
        catalog.delete_location(berlin.id)
    customers.delete_user(kim.id)
    catalog.delete_location(berlin.id)
    assert (catalog.locations(), catalog.resources(), catalog.services()) == ([], [], [])
