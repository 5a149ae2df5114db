"""A caller is found however their number was written, stored or dialled."""

from __future__ import annotations

import pytest

from ringback.customers.phones import NO_REGION_RULE, PhoneNumberRefused, to_e164
from ringback.errors import ValidationError

BERLIN = "+49301234567"


@pytest.mark.parametrize(("raw", "region"), [
    ("+49 30 1234567", None),
    ("+49301234567", None),
    ("030 1234567", "DE"),
    ("(030) 123-45-67", "DE"),
    ("0049 30 1234567", None),
    ("0049 30 1234567", "DE"),
    ("0049301234567", "US"),  # 00 is read as + even where the prefix is 011
    ("0011 49 30 1234567", "AU"),  # a region's own international prefix
    ("+49 (0)30 1234567", None),
])
def test_every_written_form_of_a_number_becomes_one_e164(raw, region):
    assert to_e164(raw, region) == BERLIN


@pytest.mark.parametrize(("raw", "region", "rule"), [
    ("030 1234567", None, NO_REGION_RULE),
    ("12", "DE", "must be a phone number"),
    ("call me", "DE", "must be a phone number"),
    (491234, "DE", "must be a phone number"),
])
def test_an_unreadable_number_is_refused_with_its_rule(raw, region, rule):
    with pytest.raises(PhoneNumberRefused) as refused:
        to_e164(raw, region)
    assert str(refused.value).startswith(rule)


def _customer_with(directory, name, phones, region=None, customer="Acme GmbH"):
    company = directory.create_customer({"name": customer})
    payload = {"customer_id": company.id, "name": name, "phones": phones}
    if region:
        payload["region"] = region
    return directory.create_user(payload)


@pytest.mark.parametrize(("stored", "region"), [
    (["+49 30 1234567"], None),
    (["030 1234567"], "DE"),
    (["0049 30 1234567"], None),
])
@pytest.mark.parametrize(("caller", "caller_region"), [
    ("+49301234567", None),  # as Twilio sends From
    ("+49 30 1234567", None),
    ("030 1234567", "DE"),  # the business number's country
    ("0049 30 1234567", None),
])
def test_phone_matching_across_formats(directory, stored, region, caller, caller_region):
    ana = _customer_with(directory, "Ana", stored, region)
    _customer_with(directory, "Bo", ["+49 30 7654321"], customer="Other AG")

    matches = directory.find_by_phone(caller, caller_region)

    assert [(m.user_id, m.name, m.customer_name, m.e164) for m in matches] == [
        (ana.id, "Ana", "Acme GmbH", BERLIN)]


def test_a_national_number_without_a_region_finds_nobody(directory):
    _customer_with(directory, "Ana", [BERLIN])
    assert directory.find_by_phone("030 1234567") == []
    assert directory.find_by_phone("030 1234567", "GB") == []  # another country's 030...
    assert directory.find_by_phone("not a number", "DE") == []


def test_a_shared_line_finds_every_person_on_it(directory):
    family = directory.create_customer({"name": "Family Weber"})
    anna = directory.create_user({"customer_id": family.id, "name": "Anna Weber",
                                  "phones": ["030 1234567", "+49 171 2345678"],
                                  "region": "DE"})
    ben = directory.create_user({"customer_id": family.id, "name": "Ben Weber",
                                 "phones": ["+49 30 1234567"]})

    matches = directory.find_by_phone("0049 30 1234567")

    assert [(m.user_id, m.customer_id) for m in matches] == [(anna.id, family.id),
                                                              (ben.id, family.id)]
    assert [m.user_id for m in directory.find_by_phone("+491712345678")] == [anna.id]


def test_one_number_written_twice_is_stored_once(directory):
    ana = _customer_with(directory, "Ana", ["+49 30 1234567", "030 1234567"], "DE")
    assert [p.e164 for p in ana.phones] == [BERLIN]


def test_a_bad_number_names_its_place_in_the_list_and_stores_nothing(directory):
    company = directory.create_customer({"name": "Acme"})
    with pytest.raises(ValidationError) as refused:
        directory.create_user({"customer_id": company.id, "name": "Ana",
                               "phones": ["+49 30 1234567", "030 1234567"]})
    assert refused.value.errors == {"phones[1]": NO_REGION_RULE}
    assert directory.list_users({}).total == 0
