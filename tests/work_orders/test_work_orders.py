"""Work orders: the template copied, a problem code required, the same problem at
the same place found again (address written differently, coordinates within
100 m), states with history, and steps the state table refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ringback.errors import Conflict, NotFound, ValidationError
from ringback.store.helpdesk_outbox import HelpdeskOutboxRow
from ringback.store.work_orders import WorkOrder
from ringback.work_orders import Location, WorkOrderState

W = WorkOrderState
HALL = Location("12 Main St., Springfield", 52.520000, 13.405000)


def test_a_work_order_copies_its_codes_template(services, codes, appliance):
    made = services.work_orders.create(appliance.id, HALL, 7)
    assert (made.tasks, made.estimated_minutes, made.priority, made.crew) == (
        ("Confirm items with the resident", "Schedule the truck", "Collect the appliance"),
        30, 3, "Bulky waste crew")
    assert (made.state, made.state_label, made.number) == (
        W.WAITING_APPROVAL, "Waiting for approval", f"WO-{made.id:06d}")
    assert made.problem.path.endswith("Household collection > Appliance pickup")
    assert made.location == Location("12 Main St., Springfield", 52.52, 13.405)

    # The template changes later; the work order keeps its copy.
    codes.update_code(appliance.id, {"code": "SW-APPL", "name": "Appliance pickup",
                                     "tasks": ["Just take it"], "estimated_minutes": 5,
                                     "priority": 1, "crew": "Anyone"})
    kept = services.work_orders.get(made.id)
    assert (kept.tasks, kept.estimated_minutes, kept.priority, kept.crew) == (
        made.tasks, 30, 3, "Bulky waste crew")
    assert [(h.from_state, h.to_state, h.agent_id) for h in kept.history] == [
        (None, W.WAITING_APPROVAL, 7)]


def test_a_work_order_needs_a_problem_code(services, codes):
    for missing in (None, 999_999, "x"):
        with pytest.raises(ValidationError) as refused:
            services.work_orders.create(missing, HALL, 1)  # type: ignore[arg-type]
        assert set(refused.value.errors) == {"problem_code_id"}
    with services.db.session() as session:
        assert session.scalar(select(func.count(WorkOrder.id))) == 0


def test_a_location_needs_an_address_and_whole_coordinates(services, appliance):
    with pytest.raises(ValidationError) as refused:
        services.work_orders.create(appliance.id, Location("  ", 91.0, None), 1)
    assert set(refused.value.errors) == {"address", "latitude"}
    with pytest.raises(ValidationError) as refused:
        services.work_orders.create(appliance.id, Location("1 Elm Road", 10.0), 1)
    assert set(refused.value.errors) == {"longitude"}


def test_the_same_address_written_differently_finds_the_open_work_order(services,
                                                                         appliance, pothole):
    made = services.work_orders.create(appliance.id, Location("12 Main St., Springfield"), 1)
    for written in ("12  main street springfield", "12 MAIN STREET, SPRINGFIELD!"):
        assert [o.id for o in services.work_orders.open_near(appliance.id,
                                                             Location(written))] == [made.id]
    assert services.work_orders.open_near(appliance.id, Location("14 Main St, Springfield")) \
        == []
    # The same place with another problem is another work order.
    assert services.work_orders.open_near(pothole.id, Location("12 Main Street Springfield")) \
        == []


def test_coordinates_within_100_metres_match_and_beyond_do_not(services, appliance):
    made = services.work_orders.create(appliance.id, HALL, 1)
    # 0.0008 degrees of latitude is about 89 m; 0.001 about 111 m.
    near = Location("Opposite the town hall", 52.5208, 13.405)
    far = Location("Opposite the town hall", 52.521, 13.405)
    east = Location("Behind the town hall", 52.52, 13.4063)  # about 88 m east
    assert [o.id for o in services.work_orders.open_near(appliance.id, near)] == [made.id]
    assert [o.id for o in services.work_orders.open_near(appliance.id, east)] == [made.id]
    assert services.work_orders.open_near(appliance.id, far) == []
    # Without coordinates only the address can match.
    assert services.work_orders.open_near(appliance.id, Location("Opposite the town hall")) \
        == []


def test_completed_and_closed_work_orders_are_not_offered(services, appliance):
    orders = services.work_orders
    made = orders.create(appliance.id, HALL, 1)
    for step in (W.APPROVED, W.IN_PROGRESS, W.COMPLETED):
        orders.advance(made.id, step, 2, "")
    assert orders.open_near(appliance.id, HALL) == []
    again = orders.create(appliance.id, HALL, 1)
    orders.advance(again.id, "Closed", 2, "Duplicate of the earlier report")
    assert orders.open_near(appliance.id, HALL) == []
    third = orders.create(appliance.id, HALL, 1)
    assert [o.id for o in orders.open_near(appliance.id, HALL)] == [third.id]


def test_state_changes_keep_a_history_with_agent_and_note(services, clock, appliance):
    orders = services.work_orders
    made = orders.create(appliance.id, HALL, 1)
    clock.advance(60)
    orders.advance(made.id, "approved", 2, "  Crew free on Monday ")
    clock.advance(60)
    orders.advance(made.id, W.IN_PROGRESS, 3, "")
    clock.advance(60)
    back = orders.advance(made.id, "Approved", 3, "Truck broke down")
    assert back.state == W.APPROVED
    assert [(h.from_state, h.to_state, h.agent_id, h.note) for h in back.history] == [
        (None, W.WAITING_APPROVAL, 1, ""),
        (W.WAITING_APPROVAL, W.APPROVED, 2, "Crew free on Monday"),
        (W.APPROVED, W.IN_PROGRESS, 3, ""),
        (W.IN_PROGRESS, W.APPROVED, 3, "Truck broke down")]
    assert [int(h.at.timestamp() - back.created_at.timestamp()) for h in back.history] == [
        0, 60, 120, 180]
    assert back.updated_at == back.history[-1].at


def test_steps_the_state_table_does_not_allow_are_refused(services, appliance):
    orders = services.work_orders
    made = orders.create(appliance.id, HALL, 1)
    with pytest.raises(Conflict) as refused:
        orders.advance(made.id, W.COMPLETED, 2, "")
    assert "Waiting for approval" in str(refused.value)
    with pytest.raises(ValidationError) as unknown:
        orders.advance(made.id, "done", 2, "x" * 2001)
    assert set(unknown.value.errors) == {"state", "note"}
    orders.advance(made.id, W.CLOSED, 2, "")
    with pytest.raises(Conflict):
        orders.advance(made.id, W.WAITING_APPROVAL, 2, "")  # closed is final
    assert len(orders.get(made.id).history) == 2
    with pytest.raises(NotFound):
        orders.advance(2**31, W.APPROVED, 2, "")


def test_inside_the_callers_transaction_a_rollback_leaves_nothing(services, appliance):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), services.db.session() as session:
        services.work_orders.create(appliance.id, HALL, 1, session=session)
        raise Boom
    assert services.work_orders.page().total == 0

    with services.db.session() as session:
        made = services.work_orders.create(appliance.id, HALL, 1, session=session)
    assert services.work_orders.get(made.id).number == made.number


def test_the_list_filters_by_state_newest_first(services, clock, appliance, pothole):
    orders = services.work_orders
    first = orders.create(appliance.id, HALL, 1)
    clock.advance(1)
    second = orders.create(pothole.id, Location("Ring Road 4"), 1)
    orders.advance(first.id, W.CLOSED, 1, "")
    assert [o.id for o in orders.page().items] == [second.id, first.id]
    assert [o.id for o in orders.page(state="Closed").items] == [first.id]
    assert [o.id for o in orders.page(open_only=True).items] == [second.id]
    with pytest.raises(ValidationError):
        orders.page(state="lost")


def test_without_the_webhook_nothing_is_queued(services, appliance):
    made = services.work_orders.create(appliance.id, HALL, 1)
    services.work_orders.advance(made.id, W.APPROVED, 1, "")
    with services.db.session() as session:
        assert session.scalar(select(func.count(HelpdeskOutboxRow.id))) == 0
