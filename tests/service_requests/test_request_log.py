"""The request log: saved at once, completed by type, converted, joined to work orders."""

from __future__ import annotations

import pytest

from ringback.errors import Conflict, ValidationError
from ringback.service_requests import AlreadyReported


def test_save_logs_the_contact_before_any_detail(services, desk):
    view = services.service_requests.save({"type": "action", "customer_user_id": desk.user_id,
                                           "caller_number": "+49 30 123456",
                                           "call_ref": "support:a3", "queue_id": "support"},
                                          desk.agent_id)
    row = view.request
    assert (row.type, row.channel, row.complete) == ("action", "phone", False)
    assert row.caller_number == "+4930123456"
    assert [h.event for h in view.history] == ["logged"]
    # A dropped call: nothing more arrives, and the contact is still there.
    assert services.service_requests.list({}).total == 1


def test_saving_refuses_what_is_not_a_request(services, desk):
    with pytest.raises(ValidationError) as refused:
        services.service_requests.save({"type": "question", "channel": "pigeon",
                                        "customer_user_id": 0, "colour": "red"}, None)
    assert set(refused.value.errors) == {"type", "channel", "customer_user_id", "colour"}
    with pytest.raises(ValidationError) as unknown_user:
        services.service_requests.save({"type": "remark", "customer_user_id": 999}, None)
    assert unknown_user.value.errors == {"customer_user_id": "names no customer user"}
    assert services.service_requests.list({}).total == 0


@pytest.mark.parametrize(("kind", "missing"), [
    ("information", {"article_ids"}),
    ("action", {"problem_code_id", "address"}),
    ("remark", {"description"}),
])
def test_each_type_requires_its_own_sections(services, desk, kind, missing):
    log = services.service_requests
    row = log.save({"type": kind}, desk.agent_id).request
    with pytest.raises(ValidationError) as refused:
        log.complete(row.id, {}, desk.agent_id)
    assert set(refused.value.errors) == missing
    assert log.get(row.id).request.complete is False


def test_a_remark_needs_only_its_text(services, desk):
    log = services.service_requests
    row = log.save({"type": "remark", "channel": "walk_in"}, None).request
    done = log.complete(row.id, {"description": "The new bins are great."}, desk.agent_id)
    assert done.request.complete and done.request.work_order_id is None
    assert [h.event for h in done.history] == ["logged", "details", "completed"]


def test_an_information_request_counts_each_article_once(services, desk):
    log = services.service_requests
    row = log.save({"type": "information"}, desk.agent_id).request
    log.update(row.id, {"article_ids": [desk.script_id]}, desk.agent_id)
    done = log.complete(row.id, {"article_ids": [desk.script_id, desk.numbers_id]},
                        desk.agent_id)
    assert done.article_ids == [desk.script_id, desk.numbers_id]
    assert services.knowledge.get(desk.script_id).usage_count == 1
    assert services.knowledge.get(desk.numbers_id).usage_count == 1
    with pytest.raises(ValidationError) as refused:
        log.update(row.id, {"article_ids": [424242]}, desk.agent_id)
    assert "424242" in refused.value.errors["article_ids"]
    assert log.get(row.id).article_ids == [desk.script_id, desk.numbers_id]


def test_an_information_request_becomes_an_action_request_and_keeps_its_history(services,
                                                                                desk):
    log = services.service_requests
    row = log.save({"type": "information", "customer_user_id": desk.user_id},
                   desk.agent_id).request
    log.complete(row.id, {"article_ids": [desk.script_id]}, desk.agent_id)
    converted = log.convert(row.id, "action", desk.agent_id)
    assert converted.request.id == row.id and converted.request.type == "action"
    assert converted.request.complete is False  # the action's sections are still to come
    assert converted.article_ids == [desk.script_id]  # what was read out stays on record
    change = [h for h in converted.history if h.event == "type"]
    assert [(h.old, h.new, h.agent_id) for h in change] == [("information", "action",
                                                             desk.agent_id)]
    with pytest.raises(Conflict):
        log.convert(row.id, "action", desk.agent_id)
    with pytest.raises(ValidationError) as refused:
        log.convert(row.id, "remark", desk.agent_id)
    assert set(refused.value.errors) == {"to"}
    assert services.service_requests.list({}).total == 1


def test_a_work_order_needs_a_problem_code(services, desk):
    log = services.service_requests
    row = log.save({"type": "action"}, desk.agent_id).request
    with pytest.raises(ValidationError) as refused:
        log.complete(row.id, {"address": "12 Elm Street"}, desk.agent_id)
    assert set(refused.value.errors) == {"problem_code_id"}
    with pytest.raises(ValidationError) as unknown:
        log.complete(row.id, {"problem_code_id": 99999, "address": "12 Elm Street"},
                     desk.agent_id)
    assert set(unknown.value.errors) == {"problem_code_id"}
    assert services.work_orders.page().total == 0


def test_completing_an_action_request_creates_the_work_order_from_the_template(services,
                                                                              desk):
    log = services.service_requests
    row = log.save({"type": "action", "customer_user_id": desk.user_id}, desk.agent_id).request
    done = log.complete(row.id, {"problem_code_id": desk.appliance.id,
                                 "address": "12 Elm Street"}, desk.agent_id)
    order = services.work_orders.get(done.request.work_order_id)
    assert order.problem.id == desk.appliance.id
    assert order.tasks == desk.appliance.tasks
    assert (order.estimated_minutes, order.priority, order.crew) == (
        desk.appliance.estimated_minutes, desk.appliance.priority, desk.appliance.crew)
    assert order.location.address == "12 Elm Street"
    assert [h.event for h in done.history][-2:] == ["work_order_created", "completed"]


def test_the_same_problem_nearby_links_to_the_open_work_order(services, desk):
    log = services.service_requests
    first = log.save({"type": "action"}, desk.agent_id).request
    order_id = log.complete(first.id, {"problem_code_id": desk.appliance.id,
                                       "address": "12 Elm Street"},
                            desk.agent_id).request.work_order_id
    second = log.save({"type": "action", "channel": "email"}, None).request
    log.update(second.id, {"problem_code_id": desk.appliance.id,
                           "address": "12 elm st."}, None)
    assert [w.id for w in log.already_reported(second.id)] == [order_id]
    with pytest.raises(AlreadyReported) as reported:
        log.complete(second.id, {}, None)
    assert [w.id for w in reported.value.work_orders] == [order_id]
    linked = log.complete(second.id, {"work_order_id": order_id}, None)
    assert linked.request.work_order_id == order_id
    assert services.work_orders.page().total == 1
    assert [r.id for r in log.for_work_order(order_id)] == [first.id, second.id]
    # A different problem at the same place is a work order of its own.
    third = log.save({"type": "action"}, None).request
    other = log.complete(third.id, {"problem_code_id": desk.pothole.id,
                                    "address": "12 Elm Street"}, None)
    assert other.request.work_order_id != order_id


def test_a_new_work_order_can_be_asked_for_and_a_wrong_link_is_refused(services, desk):
    log = services.service_requests
    first = log.save({"type": "action"}, None).request
    order_id = log.complete(first.id, {"problem_code_id": desk.appliance.id,
                                       "address": "12 Elm Street"}, None).request.work_order_id
    far = log.save({"type": "action"}, None).request
    with pytest.raises(ValidationError) as refused:
        log.complete(far.id, {"problem_code_id": desk.appliance.id, "address": "99 Oak Road",
                              "work_order_id": order_id}, None)
    assert set(refused.value.errors) == {"work_order_id"}
    again = log.save({"type": "action"}, None).request
    separate = log.complete(again.id, {"problem_code_id": desk.appliance.id,
                                       "address": "12 Elm Street", "new_work_order": True},
                            None)
    assert separate.request.work_order_id not in (None, order_id)
