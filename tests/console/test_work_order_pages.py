"""Admin → Problem codes and Work → Work orders: the tree edited through forms
(refusals at the fields, 422, nothing stored), work orders seen with Requests and
moved with Work orders, in people's words (no stored state names)."""

from __future__ import annotations

import re

import pytest

from ringback.work_orders import Location
from ringback.work_orders.codes import codes_of
from ringback.work_orders.demo import demo_problem_codes
from tests.console.conftest import csrf_from, signed_in


@pytest.fixture
def tree(services):
    demo_problem_codes(services.problem_codes)
    return services.problem_codes


def _post(client, page: str, action: str, **fields):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **fields})


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _visible(response) -> str:
    """What the page shows: its text without tags and attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", response.get_data(as_text=True)))


def test_an_editor_adds_a_department_provider_category_and_code(app, services, people):
    editor = signed_in(app, services, people.agent("ed@x.io", permissions=["work_orders"]))
    page = "/console/problem-codes"
    refused = _post(editor, page, "/console/problem-codes/departments", name="  ")
    assert refused.status_code == 422
    assert "Name</a>: must be given" in _text(refused)

    added = _post(editor, page, "/console/problem-codes/departments", name="Parks")
    parks = services.problem_codes.tree()[0]
    assert added.headers["Location"].endswith(f"/console/problem-codes/nodes/{parks.id}")
    node_page = f"/console/problem-codes/nodes/{parks.id}"
    _post(editor, node_page, f"{node_page}/children", child_name="Green spaces")
    provider = services.problem_codes.tree()[0].children[0]
    _post(editor, node_page, f"/console/problem-codes/nodes/{provider.id}/children",
          child_name="Furniture")
    category = services.problem_codes.tree()[0].children[0].children[0]
    new_code = f"/console/problem-codes/nodes/{category.id}/codes/new"
    bad = _post(editor, new_code, new_code, name="Bench", code="pk 1", tasks="",
                estimated_minutes="0", priority="3", crew="")
    assert bad.status_code == 422
    text = _text(bad)
    for label in ("Code", "Estimated duration (minutes)", "Crew or queue"):
        assert f"{label}</a>:" in text
    assert codes_of(services.problem_codes.tree()) == []

    good = _post(editor, new_code, new_code, name="Broken bench", code="pk-bench",
                 tasks="Look at it\n\nRepair or replace\n", estimated_minutes="60",
                 priority="2", crew="Parks crew")
    assert good.status_code == 302
    (code,) = codes_of(services.problem_codes.tree())
    assert (code.code, code.tasks, code.estimated_minutes, code.priority, code.crew) == (
        "PK-BENCH", ("Look at it", "Repair or replace"), 60, 2, "Parks crew")
    assert code.path == "Parks > Green spaces > Furniture > Broken bench"


def test_a_department_with_entries_is_not_removed(app, services, people, tree):
    editor = signed_in(app, services, people.agent("ed@x.io", permissions=["work_orders"]))
    streets = [d for d in tree.tree() if d.name == "Streets"][0]
    page = f"/console/problem-codes/nodes/{streets.id}"
    unconfirmed = _post(editor, page, f"{page}/remove")
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the removal" in _text(unconfirmed)
    refused = _post(editor, page, f"{page}/remove", confirm="yes")
    assert refused.status_code == 409
    assert "Streets still has 1 entries under it" in _text(refused)
    assert "Streets" in [d.name for d in tree.tree()]


def test_problem_codes_need_the_work_orders_permission(app, services, people, tree):
    reader = signed_in(app, services, people.agent("r@x.io", permissions=["requests"]))
    assert reader.get("/console/problem-codes").status_code == 403


def test_work_orders_are_listed_and_shown_in_peoples_words(app, services, people, tree):
    (appliance,) = tree.find("SW-APPL")
    made = services.work_orders.create(appliance.id, Location("12 Main St"), None)
    reader = signed_in(app, services, people.agent("r@x.io", permissions=["requests"]))
    listed = _visible(reader.get("/console/work-orders"))
    assert made.number in listed and "Waiting for approval" in listed
    assert "waiting_approval" not in listed
    shown = reader.get(f"/console/work-orders/{made.id}")
    text = _visible(shown)
    assert "Confirm items with the resident" in text and "Bulky waste crew" in text
    assert "Change the state" not in text  # Requests alone only looks
    assert "waiting_approval" not in text
    assert "No request is linked yet" in text


def test_the_state_changes_with_the_work_orders_permission(app, services, people, tree):
    (appliance,) = tree.find("SW-APPL")
    made = services.work_orders.create(appliance.id, Location("12 Main St"), None)
    page = f"/console/work-orders/{made.id}"
    reader = signed_in(app, services, people.agent("r@x.io", permissions=["requests"]))
    token = csrf_from(_csrf_page(reader))
    denied = reader.post(f"{page}/state", data={"csrf_token": token, "state": "approved"})
    assert denied.status_code == 403
    assert services.work_orders.get(made.id).state.value == "waiting_approval"

    crew = signed_in(app, services, people.agent(
        "c@x.io", permissions=["requests", "work_orders"]))
    none_chosen = _post(crew, page, f"{page}/state", note="")
    assert none_chosen.status_code == 422
    assert "New state</a>: choose the state the work order goes to" in _text(none_chosen)
    moved = _post(crew, page, f"{page}/state", state="approved", note="Truck on Monday")
    assert moved.status_code == 302
    after = _text(crew.get(page))
    assert "Work order " + made.number + " is now Approved" in after
    assert "Waiting for approval → Approved" in after and "Truck on Monday" in after
    skipped = _post(crew, page, f"{page}/state", state="closed")
    assert skipped.status_code == 302  # approved -> closed is allowed
    assert "Change the state" not in _visible(crew.get(page))  # closed is final
    reopened = _post(crew, page, f"{page}/state", state="completed")  # a stale form
    assert reopened.status_code == 409
    assert 'role="alert"' in _text(reopened)
    assert "is Closed; it can go to no other state, not to Completed" in _text(reopened)
    assert services.work_orders.get(made.id).state.value == "closed"


def _csrf_page(client) -> str:
    """A page of the reader's with a form (My account), for the token."""
    return client.get("/console/account").get_data(as_text=True)


def test_the_work_order_lists_the_requests_linked_to_it(app, services, people, tree):
    from ringback.store.service_requests import ServiceRequest

    (appliance,) = tree.find("SW-APPL")
    made = services.work_orders.create(appliance.id, Location("12 Main St"), None)
    other = services.work_orders.create(appliance.id, Location("3 Oak Road"), None)
    with services.db.session() as session:
        first = ServiceRequest(type="action", channel="phone", work_order_id=made.id,
                               description="Old fridge on the pavement")
        second = ServiceRequest(type="action", channel="email", work_order_id=made.id,
                                description="Same fridge, second caller")
        elsewhere = ServiceRequest(type="action", channel="phone", work_order_id=other.id,
                                   description="A sofa")
        session.add_all([first, second, elsewhere])
    reader = signed_in(app, services, people.agent("r@x.io", permissions=["requests"]))
    text = _text(reader.get(f"/console/work-orders/{made.id}"))
    assert f'href="/console/requests/{first.id}"' in text
    assert f'href="/console/requests/{second.id}"' in text
    assert "Same fridge, second caller" in text and "A sofa" not in text
