"""Location-only customer users (made inside one location of the booking bridge)
never appear in the call centre: not in the caller lookup, not in lists,
unless the location is asked for."""

from __future__ import annotations

import pytest

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.errors import ValidationError

PHONE = "+4930123456"


@pytest.fixture
def places(db):
    catalog = BookingCatalog(db)
    return (catalog.create_location({"name": "Berlin", "time_zone": "Europe/Berlin"}),
            catalog.create_location({"name": "London", "time_zone": "Europe/London"}))


def _person(directory, name, location_id=None):
    household = directory.create_customer({"name": f"{name} household"})
    payload = {"customer_id": household.id, "name": name, "phones": [PHONE]}
    if location_id is not None:
        payload["location_id"] = location_id
    return directory.create_user(payload)


def test_location_only_customers_are_invisible_in_the_call_centre(directory, places):
    berlin, london = places
    ada = _person(directory, "Ada")
    ben = _person(directory, "Ben", berlin.id)
    _person(directory, "Cem", london.id)
    assert (ada.location_id, ben.location_id) == (None, berlin.id)

    assert [m.name for m in directory.find_by_phone(PHONE)] == ["Ada"]
    assert [u.name for u in directory.list_users({}).items] == ["Ada"]
    assert directory.list_users({"q": "Ben"}).total == 0
    assert [c.name for c in directory.list_customers({}).items] == ["Ada household"]
    assert directory.list_customers({"q": PHONE}).total == 1

    # Inside Berlin: the shared customers and Berlin's own, never London's.
    assert [m.name for m in directory.find_by_phone(PHONE, location_id=berlin.id)] == \
        ["Ada", "Ben"]
    assert [u.name for u in directory.list_users({"location_id": str(berlin.id)}).items] == \
        ["Ada", "Ben"]
    assert [c.name for c in directory.list_customers({"location_id": berlin.id}).items] == \
        ["Ada household", "Ben household"]
    # ... and they are still read by id
    assert directory.get_user(ben.id).name == "Ben"


def test_a_household_with_a_shared_member_stays_listed(directory, places):
    berlin, _ = places
    ada = _person(directory, "Ada")
    directory.create_user({"customer_id": ada.customer_id, "name": "Kid",
                           "location_id": berlin.id})
    assert [c.name for c in directory.list_customers({}).items] == ["Ada household"]
    assert [u.name for u in directory.list_users({"customer_id": ada.customer_id}).items] == \
        ["Ada"]


def test_location_id_must_name_a_location(directory, places):
    berlin, london = places
    household = directory.create_customer({"name": "H"})
    for bad in ("1", 0, 2**31, True, 1.5):
        with pytest.raises(ValidationError) as caught:
            directory.create_user({"customer_id": household.id, "name": "X",
                                   "location_id": bad})
        assert "location" in caught.value.errors["location_id"]
    with pytest.raises(ValidationError) as caught:
        directory.create_user({"customer_id": household.id, "name": "X", "location_id": 999})
    assert caught.value.errors == {"location_id": "names no location (there is no location 999)"}
    with pytest.raises(ValidationError):
        directory.list_users({"location_id": "x"})

    user = directory.create_user({"customer_id": household.id, "name": "X"})
    moved = directory.update_user(user.id, {"location_id": london.id})
    assert moved.location_id == london.id
    assert directory.list_users({}).total == 0
    shared = directory.update_user(user.id, {"location_id": None})
    assert shared.location_id is None and directory.list_users({}).total == 1


def test_the_api_hides_them_too_and_shows_location_id(client, owner_headers, places):
    berlin, _ = places
    household = client.post("/api/v1/customers", json={"name": "H"},
                            headers=owner_headers).get_json()
    made = client.post("/api/v1/customer-users", headers=owner_headers, json={
        "customer_id": household["id"], "name": "Ben", "phones": [PHONE],
        "location_id": berlin.id})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["location_id"] == berlin.id
    lookup = "/api/v1/customer-users/lookup?phone=%2B4930123456"
    assert client.get(lookup, headers=owner_headers).get_json() == {"matches": []}
    found = client.get(f"{lookup}&location_id={berlin.id}", headers=owner_headers).get_json()
    assert [m["customer_user"]["name"] for m in found["matches"]] == ["Ben"]
    assert client.get(f"{lookup}&location_id=x", headers=owner_headers).status_code == 422
    assert client.get("/api/v1/customer-users", headers=owner_headers).get_json()["total"] == 0
    bad = client.post("/api/v1/customer-users", headers=owner_headers, json={
        "customer_id": household["id"], "name": "X", "location_id": 2**31})
    assert bad.status_code == 422 and "location_id" in bad.get_json()["errors"]
