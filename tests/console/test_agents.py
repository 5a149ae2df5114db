"""Managing agents: the 50-agent limit, the password asked again, who may grant what."""

from __future__ import annotations

import pytest

from ringback.agents import MAX_AGENTS, AgentLimitReached, Principal
from ringback.console.audit import AuditLog
from ringback.errors import Conflict, PermissionDenied
from ringback.store.models import Role
from tests.console.conftest import (
    AGENT_PASSWORD,
    OWNER_PASSWORD,
    csrf_from,
    form_post,
    log_in,
)


def fill_to_the_limit(people, owner) -> None:
    for n in range(MAX_AGENTS - 1):  # the owner holds the first seat
        people.agent(f"agent{n}@example.com", password=None)


def test_the_51st_agent_is_refused_by_the_api(client, owner_headers, people, owner):
    fill_to_the_limit(people, owner)
    response = client.post("/api/v1/agents", json={"email": "one-more@example.com",
                                                   "name": "One More"}, headers=owner_headers)
    assert response.status_code == 409
    assert response.get_json()["error"] == (
        "this account already has 50 agents, the most it may have; "
        "remove an agent before adding another"
    )
    assert people.directory.count() == MAX_AGENTS


def test_the_51st_agent_is_refused_by_the_console(owner_client, people, owner):
    fill_to_the_limit(people, owner)
    listing = owner_client.get("/console/agents").get_data(as_text=True)
    assert "50 of 50 agents" in listing
    assert "Add agent</a>" not in listing
    response = form_post(owner_client, "/console/agents", "/console/agents/new",
                         name="One More", email="one-more@example.com", role="custom",
                         confirm_password=OWNER_PASSWORD)
    assert response.status_code == 409
    assert "This account already has 50 agents" in response.get_data(as_text=True)
    assert people.directory.count() == MAX_AGENTS
    assert people.directory.by_email("one-more@example.com") is None


def test_removing_an_agent_frees_a_seat(people, owner):
    fill_to_the_limit(people, owner)
    victim = people.directory.by_email("agent0@example.com")
    people.directory.remove(victim.id, by=Principal.of(owner))
    assert people.directory.create({"email": "new@example.com", "name": "New"}).id


def test_only_one_owner_ever(people, owner):
    with pytest.raises(Conflict):
        people.directory.create_owner("second@example.com", "Second", "second-password")


def test_adding_an_agent_asks_for_the_password_again(owner_client, people):
    response = form_post(owner_client, "/console/agents/new", name="Ana",
                         email="ana@example.com", role="custom", permissions="callbacks",
                         confirm_password="not-my-password")
    assert response.status_code == 422
    assert "Is not your current password." in response.get_data(as_text=True)
    assert people.directory.by_email("ana@example.com") is None


def test_the_form_names_every_problem_at_once(owner_client):
    response = form_post(owner_client, "/console/agents/new", name="", email="nope",
                         role="custom", confirm_password="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in html and 'id="email-error"' in html
    assert 'id="confirm_password-error"' in html


def test_an_agent_added_in_the_console_gets_an_invitation_and_an_audit_entry(
        owner_client, people, services, owner):
    response = form_post(owner_client, "/console/agents/new", name="Ana",
                         email="Ana@Example.com", role="custom",
                         permissions=["callbacks", "live_queue"],
                         confirm_password=OWNER_PASSWORD)
    assert response.status_code == 302
    page = owner_client.get("/console/agents").get_data(as_text=True)
    assert "Ana is added; an invitation went to ana@example.com." in page
    assert "Invited" in page
    ana = people.directory.by_email("ana@example.com")
    assert ana.permissions == ["callbacks", "live_queue"]
    assert ana.password_hash is None
    [entry] = AuditLog(services.db, services.clock).page()
    assert (entry.actor_label, entry.action, entry.target) == (
        "owner@example.com", "agent.invited", "ana@example.com")
    assert entry.details == {"role": "custom", "permissions": ["callbacks", "live_queue"]}


def test_changing_a_role_is_audited_and_takes_effect_at_once(app, owner_client, people, services):
    ana = people.agent("ana@example.com", permissions=["callbacks"])
    ana_client = app.test_client()
    log_in(ana_client, "ana@example.com", AGENT_PASSWORD)
    assert ana_client.get("/console/agents").status_code == 403
    response = form_post(owner_client, f"/console/agents/{ana.id}", name="Ana",
                         role="custom", permissions=["callbacks", "agents"],
                         confirm_password=OWNER_PASSWORD)
    assert response.status_code == 302
    assert ana_client.get("/console/agents").status_code == 200
    [entry] = AuditLog(services.db, services.clock).page()
    assert entry.action == "agent.changed"
    assert entry.details == {"permissions": ["agents", "callbacks"]}


def test_removing_an_agent_ends_their_sessions(app, owner_client, people, services):
    ana = people.agent("ana@example.com", permissions=["callbacks"])
    ana_client = app.test_client()
    log_in(ana_client, "ana@example.com", AGENT_PASSWORD)
    assert ana_client.get("/console/").status_code == 200
    response = form_post(owner_client, f"/console/agents/{ana.id}",
                         f"/console/agents/{ana.id}/remove", confirm_password=OWNER_PASSWORD)
    assert response.status_code == 302
    assert ana_client.get("/console/").status_code == 302
    assert people.directory.by_email("ana@example.com") is None
    assert AuditLog(services.db, services.clock).page()[0].action == "agent.removed"


def test_removing_asks_for_the_password_again(owner_client, people):
    ana = people.agent("ana@example.com")
    response = form_post(owner_client, f"/console/agents/{ana.id}",
                         f"/console/agents/{ana.id}/remove", confirm_password="wrong-password")
    assert response.status_code == 422
    assert people.directory.by_email("ana@example.com") is not None


def test_the_owner_cannot_be_changed_or_removed(people, owner):
    admin = people.agent("admin@example.com", role="admin")
    with pytest.raises(PermissionDenied):
        people.directory.remove(owner.id, by=Principal.of(admin))
    with pytest.raises(PermissionDenied):
        people.directory.update(owner.id, {"role": "custom"}, by=Principal.of(admin))


def test_nobody_changes_their_own_role_or_removes_themselves(people, owner):
    admin = people.agent("admin@example.com", role="admin")
    with pytest.raises(PermissionDenied):
        people.directory.update(admin.id, {"role": "custom"}, by=Principal.of(admin))
    with pytest.raises(PermissionDenied):
        people.directory.remove(admin.id, by=Principal.of(admin))
    renamed = people.directory.update(admin.id, {"name": "Adam"}, by=Principal.of(admin))
    assert renamed.name == "Adam"


def test_a_custom_agent_grants_only_what_it_holds(people, owner):
    lead = people.agent("lead@example.com", permissions=["agents", "callbacks"])
    by = Principal.of(lead)
    with pytest.raises(PermissionDenied):
        people.directory.create({"email": "a@example.com", "name": "A", "role": "admin"}, by=by)
    with pytest.raises(PermissionDenied):
        people.directory.create({"email": "b@example.com", "name": "B",
                                 "permissions": ["numbers"]}, by=by)
    admin = people.agent("admin@example.com", role="admin")
    with pytest.raises(PermissionDenied):
        people.directory.remove(admin.id, by=by)
    made = people.directory.create({"email": "c@example.com", "name": "C",
                                    "permissions": ["callbacks"]}, by=by)
    assert made.role == Role.CUSTOM.value


def test_the_limit_error_is_a_conflict_with_a_clear_message():
    assert isinstance(AgentLimitReached(), Conflict)
    assert "50 agents" in str(AgentLimitReached())


def test_the_audit_log_is_for_admins_only(app, owner_client, people):
    form_post(owner_client, "/console/agents/new", name="Ana", email="ana@example.com",
              role="admin", confirm_password=OWNER_PASSWORD)
    page = owner_client.get("/console/audit").get_data(as_text=True)
    assert "Agent invited" in page and "ana@example.com" in page
    people.agent("lead@example.com", permissions=["agents"])
    lead = app.test_client()
    log_in(lead, "lead@example.com", AGENT_PASSWORD)
    assert lead.get("/console/audit").status_code == 403


def test_unknown_agents_get_the_404_page(owner_client):
    response = owner_client.get("/console/agents/999")
    assert response.status_code == 404
    assert "There is no agent with this id." in response.get_data(as_text=True)


def test_a_custom_agent_cannot_reinvite_an_admin(app, people, owner):
    admin = people.agent("admin@example.com", role="admin")
    people.agent("lead@example.com", permissions=["agents"])
    lead = app.test_client()
    log_in(lead, "lead@example.com", AGENT_PASSWORD)
    token = csrf_from(lead.get("/console/agents").get_data(as_text=True))
    response = lead.post(f"/console/agents/{admin.id}/invite",
                         data={"csrf_token": token, "confirm_password": AGENT_PASSWORD})
    assert response.status_code == 403


def test_removed_agent_leaves_no_presence_for_the_next_agent(owner_client, people, owner,
                                                             services):
    """Issue 16, item 3: removing an agent deleted only its SQL row.  Its presence
    stayed in the queue's Redis sets, and on SQLite the next agent created got the
    same id and inherited it (available in a queue it never joined)."""
    queue = services.queue
    ana = people.agent("ana@example.com", permissions=["callbacks"])
    people.directory.set_endpoint(ana.id, "+4930123456", by=Principal.of(owner))
    services.routing.presence.set(ana.id, "available", ["support"])
    assert queue.available_agents("support") == [str(ana.id)]

    response = form_post(owner_client, f"/console/agents/{ana.id}",
                         f"/console/agents/{ana.id}/remove", confirm_password=OWNER_PASSWORD)
    assert response.status_code == 302

    assert queue.available_agents("support") == []
    bo = people.agent("bo@example.com", permissions=["callbacks"])
    assert bo.id != ana.id, "a removed agent's id was given to a new agent"
    assert services.routing.presence.get(bo.id).state.value == "logged_out"
    assert services.routing.presence.get(bo.id).queues == ()


def test_an_agent_on_a_call_is_not_removed(owner_client, people, owner, services):
    """Removing an agent mid-call would leave the caller with nobody: refused, with
    what to do next, and the agent is kept."""
    from ringback.queue.models import NewEntry

    ana = people.agent("ana@example.com", permissions=["callbacks"])
    people.directory.set_endpoint(ana.id, "+4930123456", by=Principal.of(owner))
    services.routing.presence.set(ana.id, "available", ["support"])
    entry = services.queue.join("support", NewEntry(call_sid="CA" + "1" * 32))
    assert services.queue.accept("support", entry.entry_id, str(ana.id))

    response = form_post(owner_client, f"/console/agents/{ana.id}",
                         f"/console/agents/{ana.id}/remove", confirm_password=OWNER_PASSWORD)
    assert response.status_code == 409
    assert "on a call" in response.get_data(as_text=True)
    assert people.directory.by_email("ana@example.com") is not None
    assert services.queue.agent(str(ana.id)).state.value == "busy"
