"""POST /api/v1/customer-users/import: every row or none."""

from __future__ import annotations

import pytest

from ringback.cli import main
from ringback.customers.csv_import import MAX_IMPORT_BYTES

CSV = "text/csv"
GOOD = (
    "customer,name,email,phones,region\n"
    "Family Weber,Anna Weber,anna@weber.example,030 1234567;+49 171 2345678,DE\n"
    "Family Weber,Ben Weber,,0049 30 1234567,\n"
    "Acme GmbH,Carla Diaz,Carla@Acme.example,+44 20 7183 8750,\n"
)


def _import(client, headers, text, content_type=CSV):
    return client.post("/api/v1/customer-users/import", data=text.encode(),
                       content_type=content_type, headers=headers)


def _everyone(client, headers):
    body = client.get("/api/v1/customer-users", headers=headers).get_json()
    return {u["name"]: (u["customer"]["name"], u["email"], u["phones"])
            for u in body["customer_users"]}


def test_a_good_file_stores_every_row_and_its_customers(client, owner_headers):
    existing = client.post("/api/v1/customers", json={"name": "ACME GmbH"},
                           headers=owner_headers).get_json()
    response = _import(client, owner_headers, GOOD)
    assert response.status_code == 201
    assert response.get_json() == {"imported": 3, "customers_created": 1}
    assert _everyone(client, owner_headers) == {
        "Anna Weber": ("Family Weber", "anna@weber.example", ["+49301234567", "+491712345678"]),
        "Ben Weber": ("Family Weber", None, ["+49301234567"]),
        "Carla Diaz": ("ACME GmbH", "carla@acme.example", ["+442071838750"]),
    }
    matches = client.get("/api/v1/customer-users/lookup?phone=%2B49301234567",
                         headers=owner_headers).get_json()["matches"]
    assert [m["customer_user"]["name"] for m in matches] == ["Anna Weber", "Ben Weber"]
    carla = client.get(f"/api/v1/customer-users?customer_id={existing['id']}",
                       headers=owner_headers).get_json()
    assert carla["total"] == 1


def test_a_bad_row_names_row_column_and_rule_and_stores_nothing(client, owner_headers):
    client.post("/api/v1/customers", json={"name": "Kept"}, headers=owner_headers)
    bad = GOOD + (
        "New Customer,Dan,dan@x.example,030 7654321,\n"  # row 5: no region
        ",Eve,not-mail,+49 30 1111111;12,DE\n"  # row 6
    )
    response = _import(client, owner_headers, bad)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"row 5, phones, number 1", "row 6, customer", "row 6, email",
                           "row 6, phones, number 2"}
    assert errors["row 5, phones, number 1"].startswith("has no country code")
    assert _everyone(client, owner_headers) == {}
    customers = client.get("/api/v1/customers", headers=owner_headers).get_json()
    assert [c["name"] for c in customers["customers"]] == ["Kept"]


def test_an_ambiguous_customer_name_refuses_the_whole_file(client, owner_headers):
    for _ in range(2):
        client.post("/api/v1/customers", json={"name": "Acme GmbH"}, headers=owner_headers)
    response = _import(client, owner_headers, GOOD)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "row 4, customer": "names 2 customers; rename one of them so the name says which"}
    customers = client.get("/api/v1/customers", headers=owner_headers).get_json()
    assert customers["total"] == 2  # Family Weber was not created either
    assert _everyone(client, owner_headers) == {}


def test_the_header_must_name_the_columns(client, owner_headers):
    response = _import(client, owner_headers, "customer,name,phone\nA,B,+4930123456\n")
    assert response.status_code == 422
    rule = response.get_json()["errors"]["header"]
    assert "missing: email, phones" in rule
    assert "unknown: phone" in rule


def test_the_file_must_be_csv_and_bounded(client, owner_headers):
    wrong_type = _import(client, owner_headers, GOOD, content_type="application/json")
    assert wrong_type.status_code == 422
    assert wrong_type.get_json()["errors"]["body"].startswith("must be CSV")

    row = "Acme,Someone,,+49 30 1234567,\n"
    huge = "customer,name,email,phones,region\n" + row * (MAX_IMPORT_BYTES // len(row) + 1)
    too_big = _import(client, owner_headers, huge)
    assert too_big.status_code == 422
    assert too_big.get_json()["errors"]["body"].startswith("must be at most 2 MB")

    extra = _import(client, owner_headers, "customer,name,email,phones\nA,B,,+4930123456,x\n")
    assert extra.get_json()["errors"] == {"row 2": "has more cells than the header's 4 columns"}
    empty = _import(client, owner_headers, "customer,name,email,phones\n")
    assert empty.get_json()["errors"] == {"body": "holds no rows after the header"}
    assert _everyone(client, owner_headers) == {}


def test_importing_needs_the_tickets_permission(client, owner_headers):
    from tests.customers.conftest import agent_headers

    headers = agent_headers(client, owner_headers, ["callbacks"])
    assert _import(client, headers, GOOD).status_code == 403
    assert _everyone(client, owner_headers) == {}


@pytest.fixture
def cli_env(monkeypatch, settings, database_url):
    monkeypatch.setenv("RINGBACK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_the_command_line_imports_a_file(cli_env, tmp_path, capsys, directory):
    path = tmp_path / "customers.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["import-customers", str(path)]) == 0
    assert "3 customer users imported, 2 new customers" in capsys.readouterr().out
    assert [m.name for m in directory.find_by_phone("030 1234567", "DE")] == [
        "Anna Weber", "Ben Weber"]


def test_the_command_line_refuses_a_bad_file_whole(cli_env, tmp_path, capsys, directory):
    path = tmp_path / "customers.csv"
    path.write_text(GOOD + "New,Dan,,030 7654321,\n", encoding="utf-8")
    assert main(["import-customers", str(path)]) == 2
    err = capsys.readouterr().err
    assert "row 5, phones, number 1: has no country code" in err
    assert "nothing was imported" in err
    assert directory.list_users({}).total == 0
    assert main(["import-customers", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
