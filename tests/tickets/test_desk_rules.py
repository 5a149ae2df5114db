"""TicketDesk: state rules, lock rules and the history of every change."""

from __future__ import annotations

import pytest

from ringback.errors import Conflict, ValidationError
from ringback.tickets.desk import SYSTEM
from tests.tickets.conftest import at

NOW = "2027-01-15T10:00:00+00:00"


@pytest.fixture
def ticket(desk, agents, clock):
    clock.set(at(NOW))
    return desk.create({"subject": "Printer on fire", "requester": "+442071838750"},
                       agents["ana"])


def test_a_new_ticket_has_a_number_state_new_and_default_priority(ticket):
    assert ticket.number == f"20270115{int(ticket.id):05d}"
    assert (ticket.state, ticket.status.value, ticket.priority) == ("new", "open", 3)


def test_a_pending_state_needs_a_pending_time_in_the_future(desk, ticket, agents):
    ana = agents["ana"]
    with pytest.raises(ValidationError) as missing:
        desk.update(ticket.id, {"state": "pending reminder"}, ana)
    assert "pending_until" in missing.value.errors
    with pytest.raises(ValidationError) as past:
        desk.update(ticket.id, {"state": "pending reminder",
                                "pending_until": "2027-01-15T09:59:00Z"}, ana)
    assert "future" in past.value.errors["pending_until"]
    done = desk.update(ticket.id, {"state": "pending reminder",
                                   "pending_until": "2027-01-16T09:00:00+01:00"}, ana)
    assert (done.state, done.status.value) == ("pending reminder", "pending")
    assert done.pending_until.isoformat() == "2027-01-16T08:00:00+00:00"


def test_leaving_a_pending_state_clears_the_pending_time(desk, ticket, agents):
    ana = agents["ana"]
    desk.update(ticket.id, {"state": "pending auto-close",
                            "pending_until": "2027-01-20T09:00:00Z"}, ana)
    opened = desk.update(ticket.id, {"state": "open"}, ana)
    assert (opened.state, opened.pending_until) == ("open", None)


def test_a_pending_time_without_a_pending_state_is_refused(desk, ticket, agents):
    with pytest.raises(ValidationError) as refused:
        desk.update(ticket.id, {"pending_until": "2027-01-20T09:00:00Z"}, agents["ana"])
    assert "pending states" in refused.value.errors["pending_until"]


def test_a_worked_ticket_never_becomes_new_again(desk, ticket, agents):
    desk.update(ticket.id, {"state": "open"}, agents["ana"])
    with pytest.raises(ValidationError) as refused:
        desk.update(ticket.id, {"state": "new"}, agents["ana"])
    assert "state" in refused.value.errors


def test_bad_changes_name_every_field_and_change_nothing(desk, ticket, agents):
    with pytest.raises(ValidationError) as refused:
        desk.update(ticket.id, {"state": "solved", "priority": 9, "queue": "no spaces",
                                "owner_agent_id": "1", "colour": "red"}, agents["ana"])
    assert set(refused.value.errors) == {"state", "priority", "queue", "owner_agent_id",
                                         "colour"}
    assert desk.history(ticket.id)[-1].field == "created"


def test_references_to_missing_rows_are_422s(desk, ticket, agents):
    with pytest.raises(ValidationError) as refused:
        desk.update(ticket.id, {"owner_agent_id": 2**31 - 1, "customer_user_id": 999},
                    agents["ana"])
    assert set(refused.value.errors) == {"owner_agent_id", "customer_user_id"}


def test_every_change_writes_history_with_who_and_old_and_new(desk, ticket, agents, clock):
    ana = agents["ana"]
    clock.advance(60)
    desk.update(ticket.id, {"priority": 5, "queue": "support", "subject": "Printer on fire"},
                ana)
    desk.update(ticket.id, {"state": "open"}, agents["ben"])
    rows = [(h.field, h.old, h.new, h.agent_id) for h in desk.history(ticket.id)]
    assert rows == [
        ("created", None, ticket.number, ana.agent_id),
        ("priority", "3", "5", ana.agent_id),  # the unchanged subject writes nothing
        ("queue", None, "support", ana.agent_id),
        ("state", "new", "open", agents["ben"].agent_id),
    ]


def test_closing_unlocks_and_is_in_the_history(desk, ticket, agents):
    ana = agents["ana"]
    desk.lock(ticket.id, ana.agent_id, ana)
    closed = desk.update(ticket.id, {"state": "closed successful"}, ana)
    assert (closed.state, closed.status.value, closed.locked_by_agent_id) == \
        ("closed successful", "solved", None)
    assert [h.field for h in desk.history(ticket.id)][-2:] == ["state", "locked_by_agent_id"]


# -- locks -------------------------------------------------------------------------


def test_locking_makes_the_agent_owner_when_nobody_owns_it(desk, ticket, agents):
    ana = agents["ana"]
    locked = desk.lock(ticket.id, ana.agent_id, ana)
    assert (locked.locked_by_agent_id, locked.owner_agent_id) == (ana.agent_id, ana.agent_id)


def test_only_the_lock_holder_or_an_admin_changes_a_locked_ticket(desk, ticket, agents):
    ana, ben, ada = agents["ana"], agents["ben"], agents["ada"]
    desk.lock(ticket.id, ana.agent_id, ana)
    for change in (lambda: desk.update(ticket.id, {"priority": 1}, ben),
                   lambda: desk.add_article(ticket.id, {"body": "hi"}, ben),
                   lambda: desk.unlock(ticket.id, ben),
                   lambda: desk.lock(ticket.id, ben.agent_id, ben)):
        with pytest.raises(Conflict) as refused:
            change()
        assert "locked by Ana" in str(refused.value)
        assert "admin" in str(refused.value)
    assert desk.get(ticket.id).priority == 3
    assert desk.update(ticket.id, {"priority": 2}, ana).priority == 2
    assert desk.update(ticket.id, {"priority": 1}, ada).priority == 1
    assert desk.unlock(ticket.id, ada).locked_by_agent_id is None
    assert desk.update(ticket.id, {"priority": 4}, ben).priority == 4


def test_an_admin_may_take_over_a_lock(desk, ticket, agents):
    desk.lock(ticket.id, agents["ana"].agent_id, agents["ana"])
    taken = desk.lock(ticket.id, agents["ada"].agent_id, agents["ada"])
    assert taken.locked_by_agent_id == agents["ada"].agent_id


def test_ringback_itself_may_change_a_locked_ticket(desk, ticket, agents, services):
    desk.lock(ticket.id, agents["ana"].agent_id, agents["ana"])
    services.tickets.add_comment(ticket.id, body="Callback attempted", internal=True)
    assert desk.update(ticket.id, {"priority": 1}, SYSTEM).priority == 1


def test_a_closed_ticket_cannot_be_locked(desk, ticket, agents):
    desk.update(ticket.id, {"state": "closed unsuccessful"}, agents["ana"])
    with pytest.raises(Conflict):
        desk.lock(ticket.id, agents["ana"].agent_id, agents["ana"])


# -- articles ----------------------------------------------------------------------


def test_articles_have_kinds_and_notes_are_internal_unless_said(desk, ticket, agents):
    ana = agents["ana"]
    note = desk.add_article(ticket.id, {"body": "checked the toner"}, ana, "Ana")
    call = desk.add_article(ticket.id, {"kind": "phone", "body": "called back"}, ana, "Ana")
    assert (note.kind, note.internal, call.kind, call.internal) == \
        ("note", True, "phone", False)
    got = desk.get(ticket.id)
    assert [c.kind for c in got.comments] == ["note", "phone"]
    assert got.state == "open"  # the agent's call to the customer opened it
    with pytest.raises(ValidationError) as refused:
        desk.add_article(ticket.id, {"kind": "fax", "body": ""}, ana)
    assert set(refused.value.errors) == {"kind", "body"}
