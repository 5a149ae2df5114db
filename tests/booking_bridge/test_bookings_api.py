"""/api/v1/slots and /api/v1/bookings through the real app, database and outbox:
the bookings permission, 404/422 naming fields, the password rule on reschedule
and cancel (the owner token is exempt), the location kept on reschedule, the
30 limit, the mail checkboxes (both on by default), the internal note only in
the resource's mail, and times in the location's zone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from icalendar import Calendar

from ringback.agents import AgentDirectory
from ringback.booking_bridge.catalog import BookingCatalog
from ringback.console.mail import Outbox
from ringback.customers import CustomerDirectory
from ringback.store.bookings import HoursKind
from tests.test_openapi import matches_schema

API = "/api/v1"
PASSWORD = "correct horse battery staple"
# The test clock starts at 2027-01-15 08:00 UTC, a Friday; Monday is 2027-01-18.
MONDAY = "2027-01-18"


@dataclass(frozen=True)
class Business:
    berlin: int
    london: int
    cut: int
    local: int
    ana: int
    ada: int
    agent: dict[str, str]


@pytest.fixture
def shop(services, client) -> Business:
    catalog = BookingCatalog(services.db)
    berlin = catalog.create_location({"name": "Berlin", "address": "Unter den Linden 1",
                                      "time_zone": "Europe/Berlin"})
    london = catalog.create_location({"name": "London", "time_zone": "Europe/London"})
    cut = catalog.create_service({"name": "Cut", "duration_minutes": 30,
                                  "location_ids": [berlin.id, london.id]})
    local = catalog.create_service({"name": "Sauna", "duration_minutes": 30,
                                    "location_id": berlin.id})
    ana = catalog.create_resource({"location_id": berlin.id, "name": "Ana",
                                   "email": "ana@shop.example"})
    week = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)]
    catalog.set_hours(ana.id, HoursKind.ONLINE, week)
    catalog.set_hours(ana.id, HoursKind.WORKING,
                      [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)])
    ben = catalog.create_resource({"location_id": london.id, "name": "Ben"})
    catalog.set_hours(ben.id, HoursKind.ONLINE, week)
    customers = CustomerDirectory(services.db)
    household = customers.create_customer({"name": "Lovelace"})
    ada = customers.create_user({"customer_id": household.id, "name": "Ada Lovelace",
                                 "email": "ada@example.com", "phones": ["+4915112345678"]})
    agents = AgentDirectory(services.db)
    bea = agents.create({"email": "bea@example.com", "name": "Bea",
                         "permissions": ["bookings"]})
    agents.set_password(bea.id, PASSWORD)
    headers = {"Authorization": f"Bearer {agents.issue_token(bea.id)}"}
    return Business(berlin.id, london.id, cut.id, local.id, ana.id, ada.id, headers)


@pytest.fixture
def doc(client):
    return client.get(f"{API}/openapi.json").get_json()


def _book(client, shop, starts, headers=None, **more):
    return client.post(f"{API}/bookings", headers=headers or shop.agent, json={
        "customer_user_id": shop.ada, "service_id": shop.cut, "location_id": shop.berlin,
        "starts": starts, **more})


def _mails(services):
    return sorted(Outbox.of(services.settings).all(), key=lambda m: (m.to, m.subject))


def _ics(services, mail) -> Calendar:
    [name] = mail.attachments
    return Calendar.from_ical(Outbox.of(services.settings).attachment(mail.id, name).data)


def test_slots_and_bookings_need_a_token_and_the_bookings_permission(client, owner_headers,
                                                                     services, shop):
    for method, path in (("GET", "/slots"), ("GET", "/bookings"), ("POST", "/bookings"),
                         ("GET", "/bookings/1"), ("PATCH", "/bookings/1"),
                         ("POST", "/bookings/cancel")):
        assert client.open(f"{API}{path}", method=method, json={}).status_code == 401, path
    agents = AgentDirectory(services.db)
    other = agents.create({"email": "t@example.com", "name": "T", "permissions": ["tickets"]})
    headers = {"Authorization": f"Bearer {agents.issue_token(other.id)}"}
    refused = _book(client, shop, [f"{MONDAY}T09:00:00+01:00"], headers)
    assert refused.status_code == 403
    assert "bookings permission" in refused.get_json()["error"]
    assert client.get(f"{API}/slots?service_id={shop.cut}&location_id={shop.berlin}",
                      headers=headers).status_code == 403


def test_slots_are_shown_in_the_locations_zone_and_follow_the_settings(client, services,
                                                                       shop, doc):
    query = f"{API}/slots?service_id={shop.cut}&location_id={shop.berlin}&from={MONDAY}&days=1"
    answer = client.get(query, headers=shop.agent)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert matches_schema(doc, "SlotList", body) == []
    assert body["time_zone"] == "Europe/Berlin"
    starts = [slot["starts_at"] for slot in body["slots"]]
    assert starts[0] == f"{MONDAY}T09:00:00+01:00" and starts[-1] == f"{MONDAY}T11:30:00+01:00"
    assert len(starts) == 11  # 09:00 to 11:30 every 15 minutes
    assert body["slots"][0]["parts"][0]["resource_id"] == shop.ana
    afternoon = client.get(f"{query}&part_of_day=afternoon", headers=shop.agent).get_json()
    assert afternoon["slots"] == []

    services.account_settings.update({"resource_availability": "working_hours"})
    working = client.get(f"{query}&part_of_day=afternoon", headers=shop.agent).get_json()
    assert working["slots"][0]["starts_at"] == f"{MONDAY}T12:00:00+01:00"

    # without from: today at the location (Friday 15 January, from 09:15 on)
    today = client.get(f"{API}/slots?service_id={shop.cut}&location_id={shop.berlin}&days=1",
                       headers=shop.agent).get_json()
    assert today["slots"][0]["starts_at"] == "2027-01-15T09:15:00+01:00"


def test_bad_slot_queries_are_422_naming_each_field(client, shop):
    answer = client.get(f"{API}/slots?service_id=x&from=2027-02-30&days=0&part_of_day=night",
                        headers=shop.agent)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"service_id", "location_id", "from", "days",
                                                "part_of_day"}
    answer = client.get(f"{API}/slots?service_id={shop.local}&location_id={shop.berlin}",
                        headers=shop.agent)
    assert answer.get_json()["errors"] == {
        "service_id": "is local to one location; the call centre books only global services"}
    answer = client.get(f"{API}/slots?service_id=999&location_id=2147483647",
                        headers=shop.agent)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) <= {"service_id", "location_id"}
    answer = client.get(f"{API}/slots?service_id={shop.cut}&location_id=2147483648",
                        headers=shop.agent)
    assert answer.status_code == 422 and "location_id" in answer.get_json()["errors"]


def test_booking_mails_the_customer_and_the_resource_by_default(client, services, shop, doc):
    made = _book(client, shop, [f"{MONDAY}T09:00:00+01:00", f"{MONDAY}T10:30:00+01:00"],
                 note="Allergic to lavender", call_ref="support:a7")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert matches_schema(doc, "BookingList", body) == []
    first, second = body["bookings"]
    assert (first["starts_at"], first["ends_at"], first["time_zone"]) == \
        (f"{MONDAY}T09:00:00+01:00", f"{MONDAY}T09:30:00+01:00", "Europe/Berlin")
    assert (first["customer"], first["service"], first["location"]) == \
        ("Ada Lovelace", "Cut", "Berlin")
    assert first["resources"] == [{"id": shop.ana, "name": "Ana"}]
    assert (first["note"], first["call_ref"], first["status"]) == \
        ("Allergic to lavender", "support:a7", "booked")
    assert first["booked_by_agent_id"] is not None
    assert second["starts_at"] == f"{MONDAY}T10:30:00+01:00"

    customer, resource = _mails(services)
    assert (customer.to, resource.to) == ("ada@example.com", "ana@shop.example")
    assert customer.subject == "Booked: 2 appointments"
    assert "Mon 18 Jan 2027, 09:00" in customer.body and "(Europe/Berlin)" in customer.body
    assert "lavender" not in customer.body
    assert "Internal note: Allergic to lavender" in resource.body
    assert "+4915112345678" in resource.body
    assert customer.attachments == ("bookings.ics",)

    mine = _ics(services, customer)
    assert str(mine["method"]) == "REQUEST"
    events = mine.walk("VEVENT")
    assert [e.decoded("dtstart").isoformat() for e in events] == \
        ["2027-01-18T08:00:00+00:00", "2027-01-18T09:30:00+00:00"]
    assert all("lavender" not in str(e.get("description")) for e in events)
    assert str(events[0]["attendee"]) == "mailto:ada@example.com"
    theirs = _ics(services, resource).walk("VEVENT")
    assert "Internal note: Allergic to lavender" in str(theirs[0]["description"])
    assert str(theirs[0]["uid"]) == str(events[0]["uid"])

    listed = client.get(f"{API}/bookings?customer_user_id={shop.ada}",
                        headers=shop.agent).get_json()
    assert matches_schema(doc, "CustomerBookings", listed) == []
    assert [b["id"] for b in listed["upcoming"]] == [first["id"], second["id"]]
    assert listed["previous"] == [] and listed["locations"][0]["name"] == "Berlin"
    calendar = client.get(f"{API}/bookings?location_id={shop.berlin}&from={MONDAY}&days=1"
                          f"&resource_id={shop.ana}", headers=shop.agent).get_json()
    assert [b["id"] for b in calendar["bookings"]] == [first["id"], second["id"]]
    one = client.get(f"{API}/bookings/{first['id']}", headers=shop.agent)
    assert one.get_json() == first


def test_unchecked_boxes_send_no_mail(client, services, shop):
    made = _book(client, shop, [f"{MONDAY}T09:00:00+01:00"], notify_customer=False,
                 notify_resource=False)
    assert made.status_code == 201
    assert _mails(services) == []
    booking = made.get_json()["bookings"][0]
    moved = client.patch(f"{API}/bookings/{booking['id']}", headers=shop.agent, json={
        "starts_at": f"{MONDAY}T10:00:00+01:00", "password": PASSWORD,
        "notify_customer": False})
    assert moved.status_code == 200, moved.get_json()
    assert [m.to for m in _mails(services)] == ["ana@shop.example"]
    wrong = _book(client, shop, [f"{MONDAY}T11:00:00+01:00"], notify_customer="no")
    assert wrong.get_json()["errors"] == {"notify_customer": "must be true or false "
                                                             "(default true)"}


def test_a_slot_taken_is_a_409_and_an_invalid_start_a_422(client, services, shop):
    assert _book(client, shop, [f"{MONDAY}T09:00:00+01:00"]).status_code == 201
    again = _book(client, shop, [f"{MONDAY}T09:15:00+01:00"])
    assert again.status_code == 409
    assert again.get_json()["error"] == "this slot was just taken; pick another"
    off_grid = _book(client, shop, [f"{MONDAY}T09:40:00+01:00"])
    assert off_grid.status_code == 422 and "starts" in off_grid.get_json()["errors"]
    bad = client.post(f"{API}/bookings", headers=shop.agent, json={
        "customer_user_id": 2**31, "service_id": "1", "starts": ["tomorrow", 5],
        "colour": "red"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"customer_user_id", "service_id", "location_id",
                                             "starts[0]", "starts[1]", "colour"}
    unknown = _book(client, shop, [f"{MONDAY}T11:00:00+01:00"], customer_user_id=999)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {
        "customer_user_id": "names no customer user (there is no customer user 999)"}
    local = client.post(f"{API}/bookings", headers=shop.agent, json={
        "customer_user_id": shop.ada, "service_id": shop.local, "location_id": shop.berlin,
        "starts": [f"{MONDAY}T11:00:00+01:00"]})
    assert "service_id" in local.get_json()["errors"]


def test_multiple_slot_selection_off_allows_one_start(client, services, shop):
    services.account_settings.update({"multiple_slot_selection": False})
    answer = _book(client, shop, [f"{MONDAY}T09:00:00+01:00", f"{MONDAY}T10:00:00+01:00"])
    assert answer.status_code == 422
    assert "Multiple Slot Selection is off" in answer.get_json()["errors"]["starts"]
    assert _book(client, shop, [f"{MONDAY}T09:00:00+01:00"]).status_code == 201


def test_reschedule_asks_the_agents_password_and_keeps_the_location(client, services, shop,
                                                                    owner_headers):
    booking = _book(client, shop, [f"{MONDAY}T09:00:00+01:00"]).get_json()["bookings"][0]
    path = f"{API}/bookings/{booking['id']}"
    new_time = {"starts_at": f"{MONDAY}T10:00:00+01:00"}
    for password, rule in ((None, "must be your own password"), ("", "must be your own"),
                           ("wrong password here", "is not your password")):
        body = new_time if password is None else {**new_time, "password": password}
        refused = client.patch(path, headers=shop.agent, json=body)
        assert refused.status_code == 422
        assert refused.get_json()["errors"]["password"].startswith(rule)
    assert client.get(path, headers=shop.agent).get_json()["starts_at"] == booking["starts_at"]

    moved_elsewhere = client.patch(path, headers=shop.agent, json={
        **new_time, "password": PASSWORD, "location_id": shop.london})
    assert moved_elsewhere.status_code == 422
    assert moved_elsewhere.get_json()["errors"] == {
        "location_id": "cannot change when rescheduling; cancel and book again"}

    before = len(_mails(services))
    moved = client.patch(path, headers=shop.agent, json={
        **new_time, "password": PASSWORD, "location_id": shop.berlin})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["starts_at"] == f"{MONDAY}T10:00:00+01:00"
    fresh = [m for m in _mails(services) if m.subject.startswith("Moved")]
    assert len(_mails(services)) == before + 2 and len(fresh) == 2
    assert "(was Mon 18 Jan 2027, 09:00" in fresh[0].body

    # The owner token is nobody's: no password asked.
    by_owner = client.patch(path, headers=owner_headers,
                            json={"starts_at": f"{MONDAY}T11:00:00+01:00"})
    assert by_owner.status_code == 200, by_owner.get_json()
    assert client.patch(f"{API}/bookings/2147483648", headers=shop.agent,
                        json={**new_time, "password": PASSWORD}).status_code == 404


def test_cancel_asks_the_password_and_takes_at_most_30(client, services, shop, owner_headers):
    made = _book(client, shop, [f"{MONDAY}T09:00:00+01:00", f"{MONDAY}T10:00:00+01:00"])
    ids = [b["id"] for b in made.get_json()["bookings"]]
    refused = client.post(f"{API}/bookings/cancel", headers=shop.agent,
                          json={"booking_ids": ids, "password": "nope nope nope"})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"password"}
    too_many = client.post(f"{API}/bookings/cancel", headers=shop.agent,
                           json={"booking_ids": list(range(1, 32)), "password": PASSWORD})
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"]["booking_ids"].startswith("at most 30 bookings")
    unknown = client.post(f"{API}/bookings/cancel", headers=shop.agent,
                          json={"booking_ids": [999], "password": PASSWORD})
    assert unknown.status_code == 422 and "booking_ids" in unknown.get_json()["errors"]

    before = len(_mails(services))
    done = client.post(f"{API}/bookings/cancel", headers=shop.agent,
                       json={"booking_ids": ids, "password": PASSWORD})
    assert done.status_code == 200, done.get_json()
    assert [b["status"] for b in done.get_json()["bookings"]] == ["cancelled", "cancelled"]
    assert done.get_json()["bookings"][0]["cancelled_at"].endswith("+01:00")
    cancelled = [m for m in _mails(services) if m.subject.startswith("Cancelled")]
    assert len(_mails(services)) == before + 2 and len(cancelled) == 2
    assert str(_ics(services, cancelled[0])["method"]) == "CANCEL"
    again = client.post(f"{API}/bookings/cancel", headers=owner_headers,
                        json={"booking_ids": ids})
    assert again.status_code == 409


def test_listing_bookings_needs_a_customer_or_a_location(client, shop):
    answer = client.get(f"{API}/bookings", headers=shop.agent)
    assert answer.status_code == 422 and "customer_user_id" in answer.get_json()["errors"]
    assert client.get(f"{API}/bookings?customer_user_id=999",
                      headers=shop.agent).status_code == 422
    answer = client.get(f"{API}/bookings?location_id={shop.berlin}&days=63",
                        headers=shop.agent)
    assert answer.get_json()["errors"] == {"days": "must be a whole number from 1 to 62"}
    assert client.get(f"{API}/bookings/999", headers=shop.agent).status_code == 404
