"""Escalation times from the queue's SLA and reminders, on an injected clock."""

from __future__ import annotations

import pytest

from ringback.tickets.desk import SYSTEM
from ringback.tickets.sla import QueueSla
from tests.tickets.conftest import at, utc

OFFICE = {"time_zone": "Europe/Berlin",
          "business_hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu",
                                                               "fri")}}


@pytest.fixture
def support(services):
    """Queue "support": first response in 60, updates every 120, solution in 480
    business minutes, Monday to Friday 08:00-17:00 in Berlin."""
    services.queue_slas.put("support", QueueSla.from_json({
        "first_response_minutes": 60, "update_minutes": 120, "solution_minutes": 480,
        **OFFICE}))


def test_due_times_of_a_ticket_opened_late_on_friday_skip_the_weekend(
        desk, agents, clock, support):
    clock.set(at("2027-01-15T16:30:00+01:00"))
    ticket = desk.create({"subject": "Down", "requester": "+442071838750",
                          "queue": "support"}, agents["ana"])
    assert ticket.first_response_due == utc("2027-01-18T08:30:00+01:00")
    assert ticket.update_due == utc("2027-01-18T09:30:00+01:00")
    # 30 minutes on Friday, 7.5 hours on Monday.
    assert ticket.solution_due == utc("2027-01-18T15:30:00+01:00")


def test_a_ticket_opened_at_night_is_due_after_opening_time(desk, agents, clock, support):
    clock.set(at("2027-01-13T23:10:00+01:00"))
    ticket = desk.create({"subject": "Down", "requester": "+442071838750",
                          "queue": "support"}, agents["ana"])
    assert ticket.first_response_due == utc("2027-01-14T09:00:00+01:00")


def test_a_queue_without_an_sla_sets_no_due_times(desk, agents, clock):
    ticket = desk.create({"subject": "Down", "requester": "+442071838750",
                          "queue": "sales"}, agents["ana"])
    assert (ticket.first_response_due, ticket.update_due, ticket.solution_due) == \
        (None, None, None)


def test_without_business_hours_due_times_are_wall_clock(desk, agents, clock, services):
    services.queue_slas.put("night", QueueSla.from_json({"first_response_minutes": 60}))
    clock.set(at("2027-01-15T23:30:00+00:00"))
    ticket = desk.create({"subject": "Down", "requester": "+442071838750",
                          "queue": "night"}, agents["ana"])
    assert ticket.first_response_due == utc("2027-01-16T00:30:00+00:00")


def test_an_agents_call_is_the_first_response_and_restarts_the_update_time(
        desk, agents, clock, support):
    clock.set(at("2027-01-14T09:00:00+01:00"))
    ticket = desk.create({"subject": "Down", "requester": "+442071838750",
                          "queue": "support"}, agents["ana"])
    clock.set(at("2027-01-14T09:20:00+01:00"))
    desk.add_article(ticket.id, {"body": "looked at it"}, agents["ana"])  # internal note
    assert desk.get(ticket.id).first_response_due == utc("2027-01-14T10:00:00+01:00")
    desk.add_article(ticket.id, {"kind": "phone", "body": "told them"}, agents["ana"])
    after = desk.get(ticket.id)
    assert after.first_response_at == utc("2027-01-14T09:20:00+01:00")
    assert after.first_response_due is None
    assert after.update_due == utc("2027-01-14T11:20:00+01:00")
    assert after.solution_due == utc("2027-01-14T17:00:00+01:00")


def test_closing_clears_due_times_and_reopening_restarts_them(desk, agents, clock, support):
    clock.set(at("2027-01-14T09:00:00+01:00"))
    ticket = desk.create({"subject": "Down", "requester": "+442071838750",
                          "queue": "support"}, agents["ana"])
    closed = desk.update(ticket.id, {"state": "closed successful"}, agents["ana"])
    assert (closed.first_response_due, closed.update_due, closed.solution_due) == \
        (None, None, None)
    clock.set(at("2027-01-15T16:00:00+01:00"))
    reopened = desk.update(ticket.id, {"state": "open"}, agents["ana"])
    assert reopened.update_due == utc("2027-01-18T09:00:00+01:00")
    assert reopened.solution_due == utc("2027-01-18T15:00:00+01:00")


def test_moving_to_a_queue_applies_its_sla(desk, agents, clock, support):
    clock.set(at("2027-01-14T09:00:00+01:00"))
    ticket = desk.create({"subject": "Down", "requester": "+442071838750"}, agents["ana"])
    assert ticket.first_response_due is None
    clock.set(at("2027-01-14T09:30:00+01:00"))
    moved = desk.update(ticket.id, {"queue": "support"}, agents["ana"])
    assert moved.first_response_due == utc("2027-01-14T10:00:00+01:00")  # from creation
    assert moved.update_due == utc("2027-01-14T11:30:00+01:00")  # from now


def test_escalated_filter_follows_the_clock(desk, agents, clock, support, services):
    clock.set(at("2027-01-15T16:30:00+01:00"))
    ticket = desk.create({"subject": "Down", "requester": "+442071838750",
                          "queue": "support"}, agents["ana"])
    listing = services.ticket_listing
    clock.set(at("2027-01-17T12:00:00+01:00"))  # the weekend: nothing runs
    assert listing.page({"escalated": "true"}).total == 0
    clock.set(at("2027-01-18T08:31:00+01:00"))
    assert [t.id for t in listing.page({"escalated": "true"}).items] == [ticket.id]
    assert listing.page({"escalated": "false"}).total == 0


def test_a_reminder_is_due_when_its_time_comes(desk, agents, clock, services):
    clock.set(at("2027-01-14T09:00:00+01:00"))
    ticket = desk.create({"subject": "Call back Monday", "requester": "+442071838750",
                          "state": "pending reminder",
                          "pending_until": "2027-01-18T09:00:00+01:00"}, agents["ana"])
    clock.set(at("2027-01-18T08:59:59+01:00"))
    assert desk.due_reminders() == []
    assert services.ticket_listing.page({"reminder_due": "true"}).total == 0
    clock.set(at("2027-01-18T09:00:00+01:00"))
    assert [t.id for t in desk.due_reminders()] == [ticket.id]
    assert [t.id for t in services.ticket_listing.page({"reminder_due": "true"}).items] == \
        [ticket.id]


def test_pending_auto_close_closes_once_its_time_passed(desk, agents, clock):
    clock.set(at("2027-01-14T09:00:00+01:00"))
    ticket = desk.create({"subject": "Solved?", "requester": "+442071838750"},
                         agents["ana"])
    desk.update(ticket.id, {"state": "pending auto-close",
                            "pending_until": "2027-01-21T09:00:00+01:00"}, agents["ana"])
    clock.set(at("2027-01-21T08:00:00+01:00"))
    assert desk.close_expired_pending() == []
    clock.set(at("2027-01-21T09:00:01+01:00"))
    assert desk.close_expired_pending() == [ticket.id]
    closed = desk.get(ticket.id)
    assert (closed.state, closed.pending_until) == ("closed successful", None)
    last = desk.history(ticket.id)[-1]
    assert (last.field, last.new, last.agent_id) == ("pending_until", None, SYSTEM.agent_id)
