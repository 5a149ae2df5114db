"""/api/v1/customers and /api/v1/customer-users through the real app and database."""

from __future__ import annotations

from tests.customers.conftest import agent_headers


def _customer(client, headers, **fields):
    response = client.post("/api/v1/customers", json={"name": "Acme GmbH", **fields},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _user(client, headers, customer_id, **fields):
    response = client.post("/api/v1/customer-users",
                           json={"customer_id": customer_id, "name": "Ana", **fields},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_customers_need_a_token(client):
    assert client.get("/api/v1/customers").status_code == 401
    assert client.post("/api/v1/customer-users", json={}).status_code == 401


def test_customers_need_the_tickets_permission(client, owner_headers):
    without = agent_headers(client, owner_headers, ["callbacks"])
    refused = client.get("/api/v1/customer-users", headers=without)
    assert refused.status_code == 403
    assert "tickets permission" in refused.get_json()["error"]
    assert client.post("/api/v1/customers", json={"name": "X"},
                       headers=without).status_code == 403
    assert client.get("/api/v1/customers", headers=owner_headers).get_json()["total"] == 0


def test_an_agent_with_the_tickets_permission_manages_customers(client, owner_headers):
    headers = agent_headers(client, owner_headers, ["tickets"])
    acme = _customer(client, headers, email="Info@Acme.example")
    assert (acme["name"], acme["email"]) == ("Acme GmbH", "info@acme.example")
    assert acme["created_at"].endswith("Z")
    ana = _user(client, headers, acme["id"], email="ana@acme.example",
                phones=["030 1234567", "+49 171 2345678"], region="DE")
    assert ana["phones"] == ["+49301234567", "+491712345678"]
    assert ana["customer"] == {"id": acme["id"], "name": "Acme GmbH"}
    fetched = client.get(f"/api/v1/customer-users/{ana['id']}", headers=headers).get_json()
    assert fetched == ana


def test_unknown_and_bad_fields_are_422_naming_each_and_store_nothing(client, owner_headers):
    response = client.post("/api/v1/customers", json={"name": "", "vip": True},
                           headers=owner_headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"name", "vip"}
    assert errors["vip"].startswith("is not a field of a customer")

    acme = _customer(client, owner_headers)
    response = client.post("/api/v1/customer-users", json={
        "customer_id": acme["id"], "name": "Ana", "email": "nope", "region": "Germany",
        "phones": ["+49 30 1234567"], "nickname": "A"}, headers=owner_headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"email", "region", "nickname"}

    response = client.post("/api/v1/customer-users", json={
        "customer_id": 999, "name": "Ana"}, headers=owner_headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["customer_id"].startswith("names no customer")
    # past an SQL INTEGER (PostgreSQL refuses to even look such an id up)
    response = client.post("/api/v1/customer-users", json={
        "customer_id": 2**31, "name": "Ana"}, headers=owner_headers)
    assert response.status_code == 422
    assert "1 to 2147483647" in response.get_json()["errors"]["customer_id"]
    listed = client.get("/api/v1/customer-users", headers=owner_headers).get_json()
    assert listed["total"] == 0


def test_unknown_ids_are_404(client, owner_headers):
    for path in ("/api/v1/customers/999", "/api/v1/customer-users/999",
                 "/api/v1/customers/2147483648", "/api/v1/customer-users/2147483648"):
        assert client.get(path, headers=owner_headers).status_code == 404
        assert client.patch(path, json={"name": "X"}, headers=owner_headers).status_code == 404
        assert client.delete(path, headers=owner_headers).status_code == 404


def test_a_patch_changes_only_what_it_names_and_phones_replace_the_list(client, owner_headers):
    acme = _customer(client, owner_headers, email="info@acme.example")
    renamed = client.patch(f"/api/v1/customers/{acme['id']}", json={"name": "Acme AG"},
                           headers=owner_headers).get_json()
    assert (renamed["name"], renamed["email"]) == ("Acme AG", "info@acme.example")

    other = _customer(client, owner_headers, name="Other")
    ana = _user(client, owner_headers, acme["id"], email="ana@acme.example",
                phones=["+49 30 1234567", "+49 171 2345678"])
    path = f"/api/v1/customer-users/{ana['id']}"
    changed = client.patch(path, json={"phones": ["+49 171 2345678", "0049 40 1234567"],
                                       "customer_id": other["id"]},
                           headers=owner_headers).get_json()
    assert changed["phones"] == ["+491712345678", "+49401234567"]
    assert (changed["customer_id"], changed["email"]) == (other["id"], "ana@acme.example")
    bad = client.patch(path, json={"phones": ["040 1234567"]}, headers=owner_headers)
    assert bad.status_code == 422
    assert list(bad.get_json()["errors"]) == ["phones[0]"]
    lonely_region = client.patch(path, json={"region": "DE"}, headers=owner_headers)
    assert lonely_region.get_json()["errors"]["region"].startswith("applies to the phones")
    kept = client.get(path, headers=owner_headers).get_json()
    assert kept["phones"] == ["+491712345678", "+49401234567"]
    lookup = client.get("/api/v1/customer-users/lookup?phone=%2B49301234567",
                        headers=owner_headers).get_json()
    assert lookup == {"matches": []}  # the old number no longer finds her


def test_a_customer_with_users_is_not_deleted(client, owner_headers):
    acme = _customer(client, owner_headers)
    ana = _user(client, owner_headers, acme["id"], phones=["+49 30 1234567"])
    refused = client.delete(f"/api/v1/customers/{acme['id']}", headers=owner_headers)
    assert refused.status_code == 409
    assert "still has 1 customer user" in refused.get_json()["error"]
    assert client.get(f"/api/v1/customer-users/{ana['id']}",
                      headers=owner_headers).status_code == 200

    assert client.delete(f"/api/v1/customer-users/{ana['id']}",
                         headers=owner_headers).status_code == 204
    assert client.delete(f"/api/v1/customers/{acme['id']}",
                         headers=owner_headers).status_code == 204
    assert client.get(f"/api/v1/customers/{acme['id']}",
                      headers=owner_headers).status_code == 404


def test_lists_search_by_name_email_or_phone_and_page(client, owner_headers):
    acme = _customer(client, owner_headers)
    weber = _customer(client, owner_headers, name="Family Weber")
    names = ["Anna Weber", "Ben Weber", "Carla Diaz", "Dan 100% Real", "Eve"]
    ids = {}
    for n, name in enumerate(names):
        owner = weber if "Weber" in name else acme
        ids[name] = _user(client, owner_headers, owner["id"], name=name,
                          email=f"user{n}@example.com",
                          phones=[f"+49 30 123456{n}"])["id"]

    def users(query):
        body = client.get(f"/api/v1/customer-users?{query}", headers=owner_headers).get_json()
        return [u["name"] for u in body["customer_users"]], body["total"]

    assert users("q=weber") == (["Anna Weber", "Ben Weber"], 2)
    assert users("q=USER2@") == (["Carla Diaz"], 1)
    assert users("q=0%25") == (["Dan 100% Real"], 1)  # % is a character, not a wildcard
    assert users("q=030+1234564&region=DE") == (["Eve"], 1)
    assert users("q=0049301234561") == (["Ben Weber"], 1)
    assert users(f"customer_id={weber['id']}&limit=1&offset=1") == (["Ben Weber"], 2)
    assert users("limit=2&offset=2") == (["Carla Diaz", "Dan 100% Real"], 5)

    customers = client.get("/api/v1/customers?q=%2B49+30+1234560",
                           headers=owner_headers).get_json()
    assert [c["name"] for c in customers["customers"]] == ["Family Weber"]

    bad = client.get("/api/v1/customer-users?limit=0&offset=-1&region=XX",
                     headers=owner_headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"limit", "offset", "region"}


def test_the_lookup_finds_every_person_on_a_number(client, owner_headers):
    weber = _customer(client, owner_headers, name="Family Weber")
    anna = _user(client, owner_headers, weber["id"], name="Anna", phones=["+49 30 1234567"])
    ben = _user(client, owner_headers, weber["id"], name="Ben", phones=["030 1234567"],
                region="DE")
    body = client.get("/api/v1/customer-users/lookup?phone=030+1234567&region=DE",
                      headers=owner_headers).get_json()
    assert [(m["customer_user"]["id"], m["customer"]["name"], m["phone"])
            for m in body["matches"]] == [(anna["id"], "Family Weber", "+49301234567"),
                                          (ben["id"], "Family Weber", "+49301234567")]
    missing = client.get("/api/v1/customer-users/lookup", headers=owner_headers)
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"phone"}
