"""The booking setup pages: locations, services, staff and rooms, hours and exceptions
are stored through the forms exactly as the catalog takes them; a refused form
stores nothing and shows the catalog's rule at the field, in the page's words;
every change is audited; only agents with the Bookings permission get in."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.store.bookings import HoursKind, Location, Resource
from tests.console.conftest import AGENT_PASSWORD, csrf_from, log_in

SETUP = "/console/bookings/setup"


@pytest.fixture
def catalog(services) -> BookingCatalog:
    return services.booking_catalog


@pytest.fixture
def berlin(catalog) -> Location:
    return catalog.create_location({"name": "Berlin", "address": "Unter den Linden 1",
                                    "time_zone": "Europe/Berlin"})


@pytest.fixture
def anna(catalog, berlin) -> Resource:
    return catalog.create_resource({"location_id": berlin.id, "name": "Anna", "kind": "staff",
                                    "email": "anna@example.com"})


def submit(client, page: str, action: str | None = None, data=None):
    """Open ``page`` and post ``data`` (lists for repeated fields) with its CSRF token."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={"csrf_token": token, **(data or {})})


def text_of(response) -> str:
    """The page's main content as a reader sees it: no tags, entities decoded."""
    main = re.search(r"<main.*</main>", response.get_data(as_text=True), re.S)
    assert main, "not a console page"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main.group(0))))


def audit(services):
    return services.audit_log.page()


def notices_after(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return text_of(client.get(response.headers["Location"]))


# -- overview and access --------------------------------------------------------------


def test_the_overview_shows_each_location_with_its_staff_and_services(
        owner_client, catalog, berlin, anna):
    london = catalog.create_location({"name": "London", "time_zone": "Europe/London"})
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                  "location_ids": [berlin.id, london.id]})
    catalog.create_service({"name": "Beard trim", "duration_minutes": 15,
                            "location_id": london.id})
    catalog.set_hours(anna.id, HoursKind.WORKING,
                      [{"weekday": 0, "start": "09:00", "end": "17:00"}])

    response = owner_client.get(SETUP)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    sections = {m.group(1): m.group(0) for m in
                re.finditer(r'<section class="card" aria-labelledby="location-\d+">.*?'
                            r'<a href="[^"]+">([^<]+)</a></h2>.*?</section>', page, re.S)}
    assert list(sections) == ["Berlin", "London"]
    assert "Anna" in sections["Berlin"] and "Mon 09:00–17:00" in sections["Berlin"]
    assert "Anna" not in sections["London"]
    assert f'/console/bookings/setup/services/{cut.id}"' in sections["London"]
    assert "Beard trim" in sections["London"] and "Beard trim" not in sections["Berlin"]
    assert "Only at London" in text_of(response)
    assert f'href="/console/bookings/setup/resources/{anna.id}"' in page


def test_an_agent_without_the_bookings_permission_is_refused_every_page(
        app, people, catalog, berlin, anna):
    people.agent("carl@example.com", permissions=["callbacks"])
    client = app.test_client()
    log_in(client, "carl@example.com", AGENT_PASSWORD)
    token = csrf_from(client.get("/console/account").get_data(as_text=True))

    pages = [SETUP, f"{SETUP}/locations/new", f"{SETUP}/locations/{berlin.id}",
             f"{SETUP}/resources/{anna.id}", f"{SETUP}/resources/{anna.id}/hours/working",
             f"{SETUP}/resources/{anna.id}/exceptions"]
    for path in pages:
        assert client.get(path).status_code == 403, path
    refused = client.post(f"{SETUP}/locations/new", data={
        "csrf_token": token, "name": "Paris", "time_zone": "Europe/Paris"})
    assert refused.status_code == 403
    assert client.post(f"{SETUP}/resources/{anna.id}/feed",
                       data={"csrf_token": token}).status_code == 403
    assert [loc.name for loc in catalog.locations()] == ["Berlin"]
    assert catalog.get_resource(anna.id).feed_token == anna.feed_token
    assert "Booking setup" not in client.get("/console/account").get_data(as_text=True)


def test_an_agent_with_the_bookings_permission_gets_in_and_sees_the_menu_entry(app, people):
    people.agent("bea@example.com", permissions=["bookings"])
    client = app.test_client()
    log_in(client, "bea@example.com", AGENT_PASSWORD)

    response = client.get(SETUP)

    assert response.status_code == 200
    assert re.search(r'<a href="/console/bookings/setup" aria-current="page">Booking setup</a>',
                     response.get_data(as_text=True))


def test_pages_have_a_label_for_every_field_and_no_inline_script(
        owner_client, catalog, berlin, anna):
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30})
    pages = [SETUP, f"{SETUP}/locations/new", f"{SETUP}/locations/{berlin.id}",
             f"{SETUP}/services/new", f"{SETUP}/services/{cut.id}",
             f"{SETUP}/locations/{berlin.id}/resources/new", f"{SETUP}/resources/{anna.id}",
             f"{SETUP}/resources/{anna.id}/hours/online",
             f"{SETUP}/resources/{anna.id}/exceptions"]
    for path in pages:
        page = owner_client.get(path).get_data(as_text=True)
        main = re.search(r"<main.*</main>", page, re.S).group(0)
        assert not re.search(r"<script(?![^>]*\ssrc=)", page), path
        assert not re.search(r"\son[a-z]+=|\sstyle=", main), path
        for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", main):
            if 'type="hidden"' in attrs or 'type="checkbox"' in attrs \
                    or 'type="radio"' in attrs:
                continue  # wrapped in their label (class="choice")
            ident = re.search(r'\sid="([^"]+)"', attrs)
            assert ident, (path, tag, attrs)
            assert re.search(rf'<label [^>]*for="{ident.group(1)}"', main), (path, attrs)
        assert "location_id" not in text_of(owner_client.get(path)), path


# -- locations -------------------------------------------------------------------------


def test_a_location_is_added_audited_and_announced(owner_client, services, catalog, owner):
    response = submit(owner_client, f"{SETUP}/locations/new", data={
        "name": "Berlin", "address": "Unter den Linden 1", "time_zone": "Europe/Berlin",
        "time_zone_other": ""})

    (stored,) = catalog.locations()
    assert (stored.name, stored.address, stored.time_zone) == (
        "Berlin", "Unter den Linden 1", "Europe/Berlin")
    assert response.headers["Location"].endswith(f"{SETUP}/locations/{stored.id}")
    assert "Berlin is added" in notices_after(owner_client, response)
    (entry,) = audit(services)
    assert (entry.action, entry.target, entry.actor_label) == (
        "booking_setup.location_added", "Berlin", owner.email)
    assert entry.details["time_zone"] == "Europe/Berlin"


def test_a_typed_time_zone_is_used_instead_of_the_chosen_one(owner_client, catalog):
    submit(owner_client, f"{SETUP}/locations/new", data={
        "name": "Halifax", "time_zone": "Europe/Berlin", "time_zone_other": "America/Halifax"})

    (stored,) = catalog.locations()
    assert stored.time_zone == "America/Halifax"
    page = owner_client.get(f"{SETUP}/locations/{stored.id}").get_data(as_text=True)
    assert 'value="America/Halifax"' in page  # shown in the typed field, not the list
    assert '<option value="" selected>' in page


def test_an_unknown_time_zone_is_refused_and_nothing_is_stored(owner_client, services,
                                                                catalog):
    response = submit(owner_client, f"{SETUP}/locations/new", data={
        "name": "Atlantis", "time_zone": "", "time_zone_other": "Europe/Atlantis"})

    assert response.status_code == 422
    shown = text_of(response)
    assert "1 setting needs a change; nothing was saved." in shown
    assert "Time zone : must be an IANA time zone such as Europe/Berlin" in shown
    assert 'id="time_zone-error"' in response.get_data(as_text=True)
    assert 'value="Europe/Atlantis"' in response.get_data(as_text=True)  # kept as typed
    assert catalog.locations() == []
    assert audit(services) == []


def test_a_location_change_is_audited_with_only_what_changed(owner_client, services,
                                                             catalog, berlin):
    path = f"{SETUP}/locations/{berlin.id}"
    response = submit(owner_client, path, data={
        "name": "Berlin Mitte", "address": "Unter den Linden 1", "time_zone": "Europe/Berlin"})

    assert "Berlin Mitte is saved." in notices_after(owner_client, response)
    assert catalog.get_location(berlin.id).name == "Berlin Mitte"
    (entry,) = audit(services)
    assert (entry.action, entry.details) == ("booking_setup.location_changed",
                                             {"name": "Berlin Mitte"})
    again = submit(owner_client, path, data={
        "name": "Berlin Mitte", "address": "Unter den Linden 1", "time_zone": "Europe/Berlin"})
    assert "Nothing changed." in notices_after(owner_client, again)
    assert len(audit(services)) == 1


def test_a_location_is_deleted_only_with_the_box_ticked(owner_client, services, catalog,
                                                        berlin, anna):
    path = f"{SETUP}/locations/{berlin.id}"

    unticked = submit(owner_client, path, f"{path}/delete")
    assert unticked.status_code == 422
    assert "Tick the box to confirm the deletion." in text_of(unticked)
    assert [loc.id for loc in catalog.locations()] == [berlin.id]

    response = submit(owner_client, path, f"{path}/delete", data={"confirm": "yes"})
    assert response.headers["Location"].endswith(SETUP)
    assert catalog.locations() == [] and catalog.resources() == []
    (entry,) = audit(services)
    assert (entry.action, entry.target) == ("booking_setup.location_removed", "Berlin")


# -- services -------------------------------------------------------------------------------


def test_a_global_single_service_is_offered_at_the_ticked_locations(
        owner_client, services, catalog, berlin):
    london = catalog.create_location({"name": "London", "time_zone": "Europe/London"})
    catalog.create_location({"name": "Paris", "time_zone": "Europe/Paris"})

    response = submit(owner_client, f"{SETUP}/services/new", data={
        "name": "Cut", "kind": "single", "duration_minutes": "30", "location_id": "",
        "location_ids": [str(berlin.id), str(london.id)], "parts": ["", "", "", ""]})

    assert "Cut is added." in notices_after(owner_client, response)
    (cut,) = catalog.services()
    assert (cut.kind, cut.duration_minutes, cut.location_id, sorted(cut.location_ids)) == (
        "single", 30, None, sorted([berlin.id, london.id]))
    (entry,) = audit(services)
    assert entry.action == "booking_setup.service_added"
    assert (entry.details["where"], sorted(entry.details["offered_at"])) == (
        "Global", ["Berlin", "London"])


def test_a_combined_service_takes_its_parts_in_the_order_picked(owner_client, catalog,
                                                                berlin):
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30})
    colour = catalog.create_service({"name": "Colour", "duration_minutes": 45})

    submit(owner_client, f"{SETUP}/services/new", data={
        "name": "Colour and cut", "kind": "combined", "duration_minutes": "",
        "parts": ["", str(colour.id), str(cut.id), ""], "location_id": "",
        "location_ids": [str(berlin.id)]})

    combined = next(s for s in catalog.services() if s.kind == "combined")
    assert (combined.part_ids, combined.duration_minutes) == ([colour.id, cut.id], 75)
    page = owner_client.get(f"{SETUP}/services/{combined.id}")
    assert "Combined: its parts follow each other, 75 minutes in all" in text_of(page)
    selected = re.findall(r'<option value="(\d+)" selected>', page.get_data(as_text=True))
    assert selected == [str(colour.id), str(cut.id)]


def test_a_combined_service_of_one_part_is_refused_at_the_part_field(
        owner_client, services, catalog):
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30})

    response = submit(owner_client, f"{SETUP}/services/new", data={
        "name": "Just a cut", "kind": "combined", "parts": [str(cut.id), "", "", ""],
        "location_id": ""})

    assert response.status_code == 422
    shown = text_of(response)
    assert "Part 1 : pick 2 to 10 single services, in the order they follow each other" \
        in shown
    assert "ids" not in shown and "parts" not in shown
    assert 'href="#parts-1"' in response.get_data(as_text=True)
    assert [s.name for s in catalog.services()] == ["Cut"]
    assert audit(services) == []


def test_a_duration_out_of_range_is_refused_with_the_rule(owner_client, catalog):
    response = submit(owner_client, f"{SETUP}/services/new", data={
        "name": "Marathon", "kind": "single", "duration_minutes": "721", "location_id": ""})

    assert response.status_code == 422
    assert "Duration (minutes) : must be a whole number from 5 to 720" in text_of(response)
    assert 'value="721"' in response.get_data(as_text=True)
    assert catalog.services() == []


def test_a_local_service_is_offered_at_its_own_location_only(owner_client, catalog, berlin):
    london = catalog.create_location({"name": "London", "time_zone": "Europe/London"})
    form = owner_client.get(f"{SETUP}/services/new?location={london.id}")
    assert f'<option value="{london.id}" selected>Only at London</option>' in \
        form.get_data(as_text=True)

    submit(owner_client, f"{SETUP}/services/new", data={
        "name": "Beard trim", "kind": "single", "duration_minutes": "15",
        "location_id": str(london.id)})
    (trim,) = catalog.services()
    assert (trim.location_id, trim.location_ids) == (london.id, [london.id])

    refused = submit(owner_client, f"{SETUP}/services/new", data={
        "name": "Shave", "kind": "single", "duration_minutes": "15",
        "location_id": str(london.id), "location_ids": [str(berlin.id)]})
    assert refused.status_code == 422
    shown = text_of(refused)
    assert "Offered at : a local service is offered only at its own location" in shown
    assert f"({london.id})" not in shown
    assert [s.name for s in catalog.services()] == ["Beard trim"]


def test_a_service_change_is_stored_and_audited(owner_client, services, catalog, berlin):
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                  "location_ids": [berlin.id]})

    response = submit(owner_client, f"{SETUP}/services/{cut.id}", data={
        "name": "Haircut", "duration_minutes": "40"})

    assert "Haircut is saved." in notices_after(owner_client, response)
    stored = catalog.get_service(cut.id)
    assert (stored.name, stored.duration_minutes, stored.location_ids) == ("Haircut", 40, [])
    (entry,) = audit(services)
    assert entry.action == "booking_setup.service_changed"
    assert entry.details == {"name": "Haircut", "duration": "40 minutes", "offered_at": []}


def test_a_part_of_a_combined_service_cannot_be_deleted_and_the_page_names_it(
        owner_client, services, catalog):
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30})
    colour = catalog.create_service({"name": "Colour", "duration_minutes": 45})
    catalog.create_service({"name": "Cut and colour", "kind": "combined",
                            "parts": [cut.id, colour.id]})
    path = f"{SETUP}/services/{cut.id}"

    response = submit(owner_client, path, f"{path}/delete", data={"confirm": "yes"})

    assert response.status_code == 409
    assert "Cut is a part of Cut and colour; remove it from there first." in text_of(response)
    assert len(catalog.services()) == 3
    assert audit(services) == []


# -- resources --------------------------------------------------------------------------


def test_a_resource_is_added_with_its_private_calendar_link(owner_client, services, catalog,
                                                            berlin):
    response = submit(owner_client, f"{SETUP}/locations/{berlin.id}/resources/new", data={
        "name": "Room 2", "kind": "room", "email": ""})

    (room,) = catalog.resources()
    assert (room.location_id, room.name, room.kind, room.email) == (
        berlin.id, "Room 2", "room", None)
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Room 2 is added to Berlin." in page
    assert f'value="https://ringback.example.com/calendar/{room.feed_token}.ics"' in page
    (entry,) = audit(services)
    assert (entry.action, entry.target, entry.details["kind"]) == (
        "booking_setup.resource_added", "Room 2 (Berlin)", "Room")


def test_renewing_the_calendar_link_replaces_it_and_is_audited(owner_client, services,
                                                                catalog, anna):
    path = f"{SETUP}/resources/{anna.id}"

    response = submit(owner_client, path, f"{path}/feed")

    renewed = catalog.get_resource(anna.id).feed_token
    assert renewed != anna.feed_token
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "the old link no longer works" in page
    assert f"/calendar/{renewed}.ics" in page and anna.feed_token not in page
    (entry,) = audit(services)
    assert (entry.action, entry.target) == ("booking_setup.feed_renewed", "Anna (Berlin)")
    assert renewed not in str(entry.details) and anna.feed_token not in str(entry.details)


def test_a_bad_e_mail_is_refused_and_the_resource_kept(owner_client, services, catalog, anna):
    response = submit(owner_client, f"{SETUP}/resources/{anna.id}", data={
        "name": "Anna Meyer", "kind": "staff", "email": "anna at example"})

    assert response.status_code == 422
    assert "E-mail for confirmations : must be an e-mail address" in text_of(response)
    stored = catalog.get_resource(anna.id)
    assert (stored.name, stored.email) == ("Anna", "anna@example.com")
    assert audit(services) == []


def test_a_resource_is_deleted_with_the_box_ticked(owner_client, services, catalog, anna):
    path = f"{SETUP}/resources/{anna.id}"
    assert submit(owner_client, path, f"{path}/delete").status_code == 422
    assert catalog.resources() != []

    submit(owner_client, path, f"{path}/delete", data={"confirm": "yes"})

    assert catalog.resources() == []
    assert audit(services)[0].action == "booking_setup.resource_removed"


# -- hours ------------------------------------------------------------------------------


def test_weekly_hours_round_trip_through_the_table(owner_client, services, catalog, anna):
    path = f"{SETUP}/resources/{anna.id}/hours/working"

    response = submit(owner_client, path, data={
        "mon-1-from": "09:00", "mon-1-to": "12:00", "mon-2-from": "13:00", "mon-2-to": "17:00",
        "sat-1-from": "9:30", "sat-1-to": "24:00"})

    assert "Working hours of Anna are saved." in notices_after(owner_client, response)
    stored = [(h.weekday, h.start_minute, h.end_minute)
              for h in catalog.hours(anna.id, HoursKind.WORKING)]
    assert stored == [(0, 540, 720), (0, 780, 1020), (5, 570, 1440)]
    assert catalog.hours(anna.id, HoursKind.ONLINE) == []
    page = owner_client.get(path).get_data(as_text=True)
    for name, value in (("mon-1-from", "09:00"), ("mon-2-to", "17:00"),
                        ("sat-1-from", "09:30"), ("sat-1-to", "24:00"), ("tue-1-from", "")):
        assert f'name="{name}" type="text" inputmode="numeric" autocomplete="off" ' \
               f'placeholder="HH:MM" size="5" value="{value}"' in page, name
    (entry,) = audit(services)
    assert entry.action == "booking_setup.hours_changed"
    assert entry.details == {"hours": "Working hours",
                             "week": "Mon 09:00–12:00, 13:00–17:00; Sat 09:30–24:00"}


def test_online_booking_hours_are_kept_apart_from_working_hours(owner_client, catalog, anna):
    catalog.set_hours(anna.id, HoursKind.WORKING,
                      [{"weekday": 2, "start": "08:00", "end": "18:00"}])

    submit(owner_client, f"{SETUP}/resources/{anna.id}/hours/online",
           data={"wed-1-from": "10:00", "wed-1-to": "16:00"})

    assert [(h.start_minute, h.end_minute)
            for h in catalog.hours(anna.id, HoursKind.ONLINE)] == [(600, 960)]
    assert [(h.start_minute, h.end_minute)
            for h in catalog.hours(anna.id, HoursKind.WORKING)] == [(480, 1080)]
    overview = text_of(owner_client.get(f"{SETUP}/resources/{anna.id}"))
    assert "Wednesday 08:00–18:00 10:00–16:00" in overview


def test_a_span_without_its_end_is_refused_at_that_field_and_nothing_changes(
        owner_client, services, catalog, anna):
    catalog.set_hours(anna.id, HoursKind.WORKING,
                      [{"weekday": 0, "start": "09:00", "end": "17:00"}])

    response = submit(owner_client, f"{SETUP}/resources/{anna.id}/hours/working", data={
        "mon-1-from": "08:00", "mon-1-to": "16:00", "tue-1-from": "09:00", "tue-1-to": ""})

    assert response.status_code == 422
    assert 'Tuesday: to : must be a time of day "HH:MM"' in text_of(response)
    assert 'href="#tue-1-to"' in response.get_data(as_text=True)
    assert 'id="tue-1-to-error"' in response.get_data(as_text=True)
    assert [(h.weekday, h.start_minute) for h in catalog.hours(anna.id, HoursKind.WORKING)] \
        == [(0, 540)]
    assert audit(services) == []


def test_overlapping_spans_are_named_in_words(owner_client, catalog, anna):
    response = submit(owner_client, f"{SETUP}/resources/{anna.id}/hours/working", data={
        "fri-1-from": "09:00", "fri-1-to": "13:00", "fri-2-from": "12:00", "fri-2-to": "17:00"})

    assert response.status_code == 422
    shown = text_of(response)
    assert "Friday, second span: from : overlaps the first span on the same weekday" in shown
    assert "hours[" not in shown
    assert catalog.hours(anna.id, HoursKind.WORKING) == []


def test_a_day_with_three_spans_keeps_all_three_when_the_table_is_saved(
        owner_client, catalog, anna):
    week = [{"weekday": 3, "start": s, "end": e}
            for s, e in (("08:00", "10:00"), ("11:00", "13:00"), ("14:00", "18:00"))]
    catalog.set_hours(anna.id, HoursKind.ONLINE, week)
    path = f"{SETUP}/resources/{anna.id}/hours/online"
    page = owner_client.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'name="([a-z]{3}-\d-(?:from|to))"[^>]*value="([^"]*)"', page))
    assert fields["thu-3-from"] == "14:00"

    submit(owner_client, path, data=fields)

    assert [(h.start_minute, h.end_minute) for h in catalog.hours(anna.id, HoursKind.ONLINE)] \
        == [(480, 600), (660, 780), (840, 1080)]


def test_an_unknown_kind_of_hours_is_not_found(owner_client, anna):
    assert owner_client.get(f"{SETUP}/resources/{anna.id}/hours/holiday").status_code == 404
    assert owner_client.get(f"{SETUP}/resources/{anna.id + 1}/hours/working"
                            ).status_code == 404


# -- exceptions ------------------------------------------------------------------------


def test_exceptions_are_added_listed_and_removed(owner_client, services, catalog, anna):
    path = f"{SETUP}/resources/{anna.id}/exceptions"
    for data in ({"day": "2027-12-24", "what": "closed_day", "note": "Christmas Eve"},
                 {"day": "2027-12-27", "what": "closed_span", "start": "12:00", "end": "14:00"},
                 {"day": "2027-12-28", "what": "extra", "start": "18:00", "end": "20:00"}):
        response = submit(owner_client, path, data=data)
        assert response.status_code == 302, text_of(response)

    stored = [(e.day, e.kind, e.start_minute, e.end_minute, e.note)
              for e in catalog.exceptions(anna.id)]
    assert stored == [(date(2027, 12, 24), "closed", None, None, "Christmas Eve"),
                      (date(2027, 12, 27), "closed", 720, 840, ""),
                      (date(2027, 12, 28), "extra", 1080, 1200, "")]
    listed = text_of(owner_client.get(path))
    assert "Fri 2027-12-24 Closed all day Christmas Eve" in listed
    assert "Mon 2027-12-27 Closed 12:00–14:00" in listed
    assert "Tue 2027-12-28 Extra hours 18:00–20:00" in listed

    closed_span = catalog.exceptions(anna.id)[1]
    response = submit(owner_client, path, f"{path}/{closed_span.id}/remove")
    assert "Closed 12:00–14:00 on 2027-12-27 is removed for Anna." in \
        notices_after(owner_client, response)
    assert [e.day for e in catalog.exceptions(anna.id)] == [date(2027, 12, 24),
                                                            date(2027, 12, 28)]
    actions = [(e.action, e.details.get("change")) for e in reversed(audit(services))]
    assert actions == [("booking_setup.exception_added", "Closed all day"),
                       ("booking_setup.exception_added", "Closed 12:00–14:00"),
                       ("booking_setup.exception_added", "Extra hours 18:00–20:00"),
                       ("booking_setup.exception_removed", "Closed 12:00–14:00")]


def test_extra_hours_without_times_are_refused(owner_client, services, catalog, anna):
    response = submit(owner_client, f"{SETUP}/resources/{anna.id}/exceptions", data={
        "day": "2027-12-28", "what": "extra", "start": "18:00", "end": ""})

    assert response.status_code == 422
    assert 'To : must be a time of day "HH:MM"' in text_of(response)
    assert catalog.exceptions(anna.id) == []
    assert audit(services) == []


def test_times_given_for_a_day_closed_all_day_are_refused(owner_client, catalog, anna):
    response = submit(owner_client, f"{SETUP}/resources/{anna.id}/exceptions", data={
        "day": "2027-12-24", "what": "closed_day", "start": "12:00", "end": "14:00"})

    assert response.status_code == 422
    assert "From : must be empty for a day closed all day" in text_of(response)
    assert catalog.exceptions(anna.id) == []


def test_a_bad_date_is_refused_with_the_rule(owner_client, catalog, anna):
    response = submit(owner_client, f"{SETUP}/resources/{anna.id}/exceptions", data={
        "day": "24.12.2027", "what": "closed_day"})

    assert response.status_code == 422
    assert 'Date : must be a date "YYYY-MM-DD"' in text_of(response)
    assert catalog.exceptions(anna.id) == []


def test_an_exception_of_another_resource_is_not_found(owner_client, catalog, berlin, anna):
    other = catalog.create_resource({"location_id": berlin.id, "name": "Ben"})
    row = catalog.add_exception(other.id, {"day": "2027-12-24", "kind": "closed"})
    path = f"{SETUP}/resources/{anna.id}/exceptions"

    response = submit(owner_client, path, f"{path}/{row.id}/remove")

    assert response.status_code == 404
    assert len(catalog.exceptions(other.id)) == 1


def test_the_audit_log_shows_booking_setup_changes_in_words(owner_client, services):
    submit(owner_client, f"{SETUP}/locations/new", data={
        "name": "Berlin", "time_zone": "Europe/Berlin"})

    shown = text_of(owner_client.get("/console/audit"))

    assert "Booking location added" in shown
    assert "Time zone: Europe/Berlin" in shown
