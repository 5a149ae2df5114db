"""The booking pages: find or add the customer, book free slots, reschedule and
cancel with the agent's password, the mail boxes ticked, only what the call
centre may see. Driven through the Flask test client on a real database."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ringback.console.account_settings import ResourceAvailability
from ringback.store.bookings import BookingStatus
from tests import booking_example
from tests.booking_example import MONDAY
from tests.console.conftest import AGENT_PASSWORD, csrf_from, log_in, signed_in

BOOKER = "booker@salon.example"


@pytest.fixture
def business(services):
    return booking_example.build(services.booking_catalog, services.customers)


@pytest.fixture
def booker(app, services, people):
    return signed_in(app, services, people.agent(BOOKER, permissions=["bookings"]))


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def post(client, path: str, data, *, from_page: str | None = None):
    token = csrf_from(page(client, from_page or path))
    return client.post(path, data={"csrf_token": token, **data})


def slot_values(html: str) -> list[str]:
    return re.findall(r'name="starts" value="([^"]+)"', html)


def add_path(business, service_id: int | None = None, **extra) -> str:
    path = (f"/console/bookings/customers/{business.customer_id}/book"
            f"?service_id={service_id or business.haircut_id}"
            f"&location_id={business.location_id}&day={MONDAY.isoformat()}")
    return path + "".join(f"&{k}={v}" for k, v in extra.items())


def test_the_pages_need_the_bookings_permission(app, people, business):
    people.agent("queue@salon.example", permissions=["live_queue"])
    client = app.test_client()
    log_in(client, "queue@salon.example", AGENT_PASSWORD)
    assert client.get("/console/bookings").status_code == 403
    assert client.get(f"/console/bookings/customers/{business.customer_id}").status_code == 403


def test_customers_are_found_by_name_or_phone_and_location_only_ones_never(booker, business):
    assert "Clara Caller" in page(booker, "/console/bookings?q=clara")
    assert "Clara Caller" in page(booker, "/console/bookings?q=%2B49%20151%2012345678")
    found = page(booker, "/console/bookings?q=Lena")
    assert "Lena Local" not in found and "Nobody matches" in found
    page(booker, f"/console/bookings/customers/{business.local_customer_id}", status=404)


def test_a_booking_call_lands_on_the_callers_bookings_or_on_add_customer(booker, business):
    known = booker.get("/console/bookings/caller?phone=%2B4915112345678&call=support:a1")
    assert known.status_code == 302
    assert known.location.endswith(
        f"/console/bookings/customers/{business.customer_id}?call=support:a1")
    unknown = booker.get("/console/bookings/caller?phone=%2B4930555000&call=support:a2")
    assert "/console/bookings/customers/new" in unknown.location
    form = page(booker, unknown.location)
    assert 'value="+4930555000"' in form


def test_adding_a_customer_checks_the_fields_and_stores_nothing_on_error(booker, services):
    bad = post(booker, "/console/bookings/customers/new", {"name": "", "phone": "", "email": ""})
    assert bad.status_code == 422
    assert "Enter the customer" in bad.get_data(as_text=True)
    before = services.customers.list_users({}).total
    good = post(booker, "/console/bookings/customers/new",
                {"name": "Nina New", "phone": "+49 30 5550001", "email": ""})
    assert good.status_code == 302
    assert services.customers.list_users({}).total == before + 1
    assert services.customers.find_by_phone("+49305550001")[0].name == "Nina New"


def test_only_global_services_are_offered_single_and_combined(booker, business):
    html = page(booker, f"/console/bookings/customers/{business.customer_id}/book")
    assert "Haircut" in html and "Cut and colour" in html and "Colour" in html
    assert "Walk-in trim" not in html


def test_select_location_lists_only_the_locations_that_offer_the_service(booker, business):
    both = page(booker, f"/console/bookings/customers/{business.customer_id}/book"
                        f"?service_id={business.haircut_id}")
    assert "Berlin Mitte" in both and "London Soho" in both
    one = page(booker, f"/console/bookings/customers/{business.customer_id}/book"
                       f"?service_id={business.colour_id}")
    assert "Berlin Mitte" in one and "London Soho" not in one


def test_two_slots_become_two_bookings_with_the_call_and_the_mail_boxes_start_ticked(
        booker, business, services):
    html = page(booker, add_path(business, call="support:a7"))
    assert 'name="notify_customer" checked' in html and 'name="notify_resource" checked' in html
    assert 'type="checkbox" name="starts"' in html  # several slots may be picked
    first, second = slot_values(html)[0], slot_values(html)[4]
    made = post(booker, add_path(business), {
        "service_id": business.haircut_id, "location_id": business.location_id,
        "starts": [first, second], "note": "Prefers scissors", "call": "support:a7",
        "notify_customer": "on", "notify_resource": "on"}, from_page=add_path(business))
    assert made.status_code == 302, made.get_data(as_text=True)[:3000]
    upcoming, _ = services.bookings.for_customer(business.customer_id)
    assert sorted(b.starts_at for b in upcoming) == \
        [datetime.fromisoformat(first), datetime.fromisoformat(second)]
    assert {b.call_ref for b in upcoming} == {"support:a7"}
    assert {b.note for b in upcoming} == {"Prefers scissors"}
    view = page(booker, f"/console/bookings/customers/{business.customer_id}")
    assert view.count("Reschedule") >= 2 and "Berlin Mitte" in view


def test_with_multiple_slot_selection_off_one_slot_only(booker, business, services):
    services.account_settings.update({"multiple_slot_selection": False})
    html = page(booker, add_path(business))
    assert 'type="radio" name="starts"' in html and 'type="checkbox" name="starts"' not in html
    first, second = slot_values(html)[:2]
    refused = post(booker, add_path(business), {
        "service_id": business.haircut_id, "location_id": business.location_id,
        "starts": [first, second]}, from_page=add_path(business))
    assert refused.status_code == 422
    assert services.bookings.for_customer(business.customer_id) == ([], [])


def test_the_time_of_day_filter_and_the_resource_availability_setting(booker, business, services):
    morning = slot_values(page(booker, add_path(business, part="morning")))
    afternoon = slot_values(page(booker, add_path(business, part="afternoon")))
    assert morning and not afternoon  # online booking hours end at 12:00
    services.account_settings.update(
        {"resource_availability": ResourceAvailability.WORKING_HOURS.value})
    afternoon = slot_values(page(booker, add_path(business, part="afternoon")))
    assert afternoon
    hours = {datetime.fromisoformat(v).astimezone(ZoneInfo("Europe/Berlin")).hour
             for v in afternoon}
    assert hours and min(hours) >= 12 and max(hours) < 17


def _book_one(booker, business, services, index: int = 0):
    html = page(booker, add_path(business))
    start = slot_values(html)[index]
    response = post(booker, add_path(business), {
        "service_id": business.haircut_id, "location_id": business.location_id,
        "starts": [start], "notify_customer": "on", "notify_resource": "on"},
        from_page=add_path(business))
    assert response.status_code == 302
    upcoming, _ = services.bookings.for_customer(business.customer_id)
    return next(b for b in upcoming if b.starts_at == datetime.fromisoformat(start))


def test_rescheduling_asks_for_the_password_and_keeps_the_location(booker, business, services):
    booking = _book_one(booker, business, services)
    path = f"/console/bookings/{booking.id}/reschedule?day={MONDAY.isoformat()}"
    html = page(booker, path)
    assert "stays the same" in html and 'name="notify_customer" checked' in html
    target = slot_values(html)[-1]
    unpicked = post(booker, f"/console/bookings/{booking.id}/reschedule",
                    {"password": AGENT_PASSWORD}, from_page=path)
    assert unpicked.status_code == 422 and "Pick a time" in unpicked.get_data(as_text=True)
    wrong = post(booker, f"/console/bookings/{booking.id}/reschedule",
                 {"starts": [target], "password": "not-it"}, from_page=path)
    assert wrong.status_code == 422
    assert services.bookings.get(booking.id).starts_at == booking.starts_at
    moved = post(booker, f"/console/bookings/{booking.id}/reschedule",
                 {"starts": [target], "password": AGENT_PASSWORD}, from_page=path)
    assert moved.status_code == 302, moved.get_data(as_text=True)[:3000]
    after = services.bookings.get(booking.id)
    assert after.starts_at != booking.starts_at
    assert after.location_id == business.location_id


def test_cancelling_several_asks_for_the_password_and_at_most_thirty(booker, business, services):
    first = _book_one(booker, business, services, 0)
    second = _book_one(booker, business, services, 3)
    view = f"/console/bookings/customers/{business.customer_id}"
    cancel = f"{view}/cancel"
    confirm = post(booker, cancel, {"booking_ids": [first.id, second.id]}, from_page=view)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert 'name="notify_customer" checked' in html and 'name="password"' in html
    wrong = post(booker, cancel, {"booking_ids": [first.id, second.id], "confirm": "1",
                                  "password": "nope"}, from_page=view)
    assert wrong.status_code == 422
    assert services.bookings.get(first.id).status == BookingStatus.BOOKED.value
    too_many = post(booker, cancel, {"booking_ids": [str(i) for i in range(1, 32)],
                                     "confirm": "1", "password": AGENT_PASSWORD},
                    from_page=view)
    assert too_many.status_code == 422 and "at most 30" in too_many.get_data(as_text=True)
    done = post(booker, cancel, {"booking_ids": [first.id, second.id], "confirm": "1",
                                 "password": AGENT_PASSWORD}, from_page=view)
    assert done.status_code == 302
    assert {services.bookings.get(i).status for i in (first.id, second.id)} == \
        {BookingStatus.CANCELLED.value}


def test_the_calendar_shows_a_booking_on_its_day_and_in_its_week(booker, business, services):
    booking = _book_one(booker, business, services)
    day = page(booker, f"/console/bookings/calendar?location_id={business.location_id}"
                       f"&day={MONDAY.isoformat()}")
    assert "Clara Caller" in day and "Haircut" in day
    week = page(booker, f"/console/bookings/calendar?location_id={business.location_id}"
                        f"&day={MONDAY.isoformat()}&view=week")
    assert week.count("Clara Caller") == 1
    other = page(booker, f"/console/bookings/calendar?location_id={business.location_id}"
                         f"&day=2027-01-25")
    assert "Clara Caller" not in other
    assert booking.id


def test_the_outbox_shows_the_booking_mails_and_hands_out_their_ics(booker, owner_client,
                                                                    business, services):
    _book_one(booker, business, services)
    mails = services.outbox.all()
    assert len(mails) == 2 and "clara@example.com" in {m.to for m in mails}
    assert {m.to for m in mails} - {"clara@example.com"} <= {"anna@salon.example",
                                                             "ben@salon.example"}
    mail = mails[0]
    (name,) = mail.attachments
    assert name.endswith(".ics")
    shown = page(owner_client, f"/console/outbox/{mail.id}")
    assert f'download="{name}"' in shown
    file = owner_client.get(f"/console/outbox/{mail.id}/files/{name}")
    assert file.status_code == 200 and file.mimetype == "text/calendar"
    assert b"BEGIN:VCALENDAR" in file.data and b"Haircut" in file.data
    assert owner_client.get(f"/console/outbox/{mail.id}/files/other.ics").status_code == 404
    assert booker.get(f"/console/outbox/{mail.id}/files/{name}").status_code == 403


def test_unticked_mail_boxes_send_no_mail(booker, business, services):
    html = page(booker, add_path(business))
    response = post(booker, add_path(business), {
        "service_id": business.haircut_id, "location_id": business.location_id,
        "starts": [slot_values(html)[0]], "notify_resource": "on"},
        from_page=add_path(business))
    assert response.status_code == 302
    assert [m.to for m in services.outbox.all()] != [] and \
        "clara@example.com" not in {m.to for m in services.outbox.all()}


def test_a_slot_taken_meanwhile_says_so_and_shows_fresh_slots(booker, business, services):
    html = page(booker, add_path(business))
    token = csrf_from(html)
    first = slot_values(html)[0]
    for _staff in ("Anna", "Ben"):  # another agent books the slot with each of them
        services.bookings.book(
            business.customer_id, business.haircut_id, business.location_id,
            [datetime.fromisoformat(first)], multiple_allowed=False,
            availability=ResourceAvailability.ONLINE_BOOKING_HOURS)
    late = booker.post(add_path(business), data={
        "csrf_token": token, "service_id": business.haircut_id,
        "location_id": business.location_id, "starts": [first]})
    assert late.status_code == 422
    shown = late.get_data(as_text=True)
    assert "This slot was just taken by another booking" in shown
    assert first not in slot_values(shown)
