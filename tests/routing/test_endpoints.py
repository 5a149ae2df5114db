"""Agent endpoints: phone numbers past the toll-fraud guard, SIP URIs, softphone ids."""

from __future__ import annotations

import pytest

from ringback.agents import AgentDirectory, Principal
from ringback.errors import ValidationError
from ringback.routing.endpoints import EndpointKind, EndpointRules, parse_endpoint
from ringback.store.models import Agent
from tests.e2e.live_desk import bearer, owner

PREMIUM_DE = "+499001234567"


@pytest.mark.parametrize(("raw", "kind", "canonical"), [
    ("+493012345678", EndpointKind.PHONE, "+493012345678"),
    (" +49 30 12345678 ", EndpointKind.PHONE, "+493012345678"),
    ("sip:ana@PBX.Example.com", EndpointKind.SIP, "sip:ana@pbx.example.com"),
    ("SIPS:ana.b@pbx.example.com:5061", EndpointKind.SIP, "sips:ana.b@pbx.example.com:5061"),
    ("client:ana", EndpointKind.CLIENT, "client:ana"),
    ("client:ana.b-7@desk", EndpointKind.CLIENT, "client:ana.b-7@desk"),
])
def test_each_kind_of_endpoint_is_read_into_its_canonical_form(raw, kind, canonical):
    endpoint = parse_endpoint(raw)
    assert (endpoint.kind, str(endpoint)) == (kind, canonical)
    assert endpoint.rings_on_offer is (kind is not EndpointKind.CLIENT)


@pytest.mark.parametrize(("raw", "rule"), [
    (PREMIUM_DE, "must not be a premium-rate or shared-cost number (toll-fraud guard)"),
    ("+4990012345678", "+4990012345678 is not a valid phone number"),
    ("sip:pbx.example.com", "a SIP URI must look like sip:user@host"),
    ("sip:ana@bad host", "a SIP URI must look like sip:user@host"),
    ("client:", "a softphone identity (client:...) must be 1-121 letters, digits or _ . - @"),
    ("client:ana smith", "a softphone identity (client:...) must be 1-121 letters, digits or "
                         "_ . - @"),
    ("030 12345678", None),
    ("", None),
    (42, None),
])
def test_an_unusable_endpoint_is_refused_naming_the_rule(raw, rule):
    with pytest.raises(ValidationError) as refused:
        parse_endpoint(raw)
    assert list(refused.value.errors) == ["endpoint"]
    if rule is not None:
        assert refused.value.errors["endpoint"] == rule
    else:
        assert refused.value.errors["endpoint"].startswith("must be an E.164 phone number")


def test_agents_are_created_and_updated_with_a_checked_endpoint(db):
    agents = AgentDirectory(db)

    ana = agents.create({"email": "ana@example.com", "name": "Ana",
                         "endpoint": "sip:Ana@PBX.example.com"})
    assert agents.get(ana.id).endpoint == "sip:Ana@pbx.example.com"
    with pytest.raises(ValidationError) as refused:
        agents.create({"email": "bo@example.com", "name": "", "endpoint": PREMIUM_DE})
    assert set(refused.value.errors) == {"name", "endpoint"}

    agents.update(ana.id, {"endpoint": "+49 30 12345678"}, by=Principal.owner())
    assert agents.get(ana.id).endpoint == "+493012345678"
    agents.update(ana.id, {"name": "Ana B."}, by=Principal.owner())
    assert agents.get(ana.id).endpoint == "+493012345678"  # untouched when not named


def test_agents_set_their_own_endpoint_and_others_need_the_agents_permission(desk):
    ana, ana_token = desk.agent("Ana", endpoint=None)
    bo, bo_token = desk.agent("Bo", endpoint=None)

    mine = desk.client.put(f"/api/v1/agents/{ana}/endpoint", json={"endpoint": "client:ana"},
                           headers=bearer(ana_token))
    assert (mine.status_code, mine.get_json()["endpoint"]) == (200, "client:ana")
    theirs = desk.client.put(f"/api/v1/agents/{ana}/endpoint", json={"endpoint": "client:x"},
                             headers=bearer(bo_token))
    assert theirs.status_code == 403
    bad = desk.client.put(f"/api/v1/agents/{bo}/endpoint", json={"endpoint": PREMIUM_DE},
                          headers=owner())
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {
        "endpoint": "must not be a premium-rate or shared-cost number (toll-fraud guard)"}
    cleared = desk.client.put(f"/api/v1/agents/{ana}/endpoint", json={"endpoint": None},
                              headers=owner())
    assert cleared.get_json()["endpoint"] is None
    assert AgentDirectory(desk.services.db).get(ana).endpoint is None


# Issue 17, toll fraud: agents' endpoints.

@pytest.mark.parametrize(("raw", "rule"), [
    ("+447012345678", "must not be a personal or universal access number (toll-fraud guard)"),
    ("+4970012345678", "must not be a personal or universal access number (toll-fraud guard)"),
    ("+445512345678", "must not be a personal or universal access number (toll-fraud guard)"),
    ("+881612345678", "must not be a satellite or international service number "
                      "(toll-fraud guard)"),
    ("+883510012345", "must not be a satellite or international service number "
                      "(toll-fraud guard)"),
])
def test_personal_uan_and_satellite_numbers_are_refused_as_endpoints(raw, rule):
    with pytest.raises(ValidationError) as refused:
        parse_endpoint(raw)
    assert refused.value.errors == {"endpoint": rule}


GERMAN_LINES = EndpointRules.of(["DE", "AT"], {"+4930123456"}, ["pbx.example.com"])


def refusal(raw: str, rules: EndpointRules) -> str:
    with pytest.raises(ValidationError) as refused:
        parse_endpoint(raw, rules=rules)
    assert list(refused.value.errors) == ["endpoint"]
    return refused.value.errors["endpoint"]


def test_an_endpoint_phone_must_be_in_a_country_the_lines_call_back():
    assert refusal("+447911123456", GERMAN_LINES) == (
        "must be a phone number in a country the business numbers call back: AT, DE")
    assert str(parse_endpoint("+43664123456", rules=GERMAN_LINES)) == "+43664123456"


def test_a_business_number_is_refused_as_an_endpoint():
    assert refusal("+49 30 123456", GERMAN_LINES) == (
        "must not be one of the business's own numbers (the call would come back into "
        "the queue)")


def test_sip_endpoints_must_name_an_allowed_domain():
    assert str(parse_endpoint("sips:ana@PBX.example.com:5061", rules=GERMAN_LINES)) == \
        "sips:ana@pbx.example.com:5061"
    assert refusal("sip:ana@pbx.evil.example", GERMAN_LINES) == (
        "a SIP address must be on an allowed SIP domain: pbx.example.com")
    assert refusal("sip:ana@pbx.example.com.evil.example", GERMAN_LINES).startswith(
        "a SIP address must be on an allowed SIP domain")


def test_without_allowed_sip_domains_no_sip_endpoint_is_accepted():
    assert refusal("sip:ana@pbx.example.com", EndpointRules.of(None, (), ())) == (
        "SIP addresses are not allowed here: ask your administrator to allow this SIP "
        "domain, or use a phone number")


def test_the_api_refuses_endpoints_outside_the_rules_with_422(desk):
    desk.services.numbers.put("+4930123456", {})  # a German line: calls back to DE
    ana, token = desk.agent("Ana", endpoint=None)
    for endpoint, rule in [
        ("+447911123456", "must be a phone number in a country the business numbers call "
                          "back: DE"),
        ("+4930123456", "must not be one of the business's own numbers (the call would "
                        "come back into the queue)"),
        ("sip:ana@pbx.example.com", "SIP addresses are not allowed here: ask your "
                                    "administrator to allow this SIP domain, or use a "
                                    "phone number"),
    ]:
        answer = desk.client.put(f"/api/v1/agents/{ana}/endpoint", json={"endpoint": endpoint},
                                 headers=bearer(token))
        assert (answer.status_code, answer.get_json()) == (422, {"errors": {"endpoint": rule}})
    created = desk.client.post("/api/v1/agents", headers=owner(), json={
        "email": "bo@example.com", "name": "Bo", "endpoint": "+447911123456"})
    assert created.status_code == 422
    assert set(created.get_json()["errors"]) == {"endpoint"}
    assert AgentDirectory(desk.services.db).get(ana).endpoint is None


def test_an_agent_whose_stored_endpoint_breaks_the_rules_cannot_take_calls(desk):
    desk.services.numbers.put("+4930123456", {})
    ana, token = desk.agent("Ana", endpoint=None)
    with desk.services.db.session() as session:  # stored before the rules, or by hand
        row = session.get(Agent, ana)
        assert row is not None
        row.endpoint = "+447911123456"
    answer = desk.client.post(f"/api/v1/agents/{ana}/presence", headers=bearer(token),
                              json={"state": "available", "queues": ["support"]})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "endpoint": "must be a phone number in a country the business numbers call back: DE"}
    assert desk.services.routing.live.endpoint(str(ana)) is None
