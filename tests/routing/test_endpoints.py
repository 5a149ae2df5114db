"""Agent endpoints: phone numbers past the toll-fraud guard, SIP URIs, softphone ids."""

from __future__ import annotations

import pytest

from ringback.agents import AgentDirectory, Principal
from ringback.errors import ValidationError
from ringback.routing.endpoints import EndpointKind, parse_endpoint
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
