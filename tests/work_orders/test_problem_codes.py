"""The problem-code tree: levels in order, names unique among siblings, codes with
their template, lookup by code or name, and removal only of what nothing uses."""

from __future__ import annotations

import pytest

from ringback.errors import Conflict, NotFound, ValidationError
from ringback.work_orders import Location
from ringback.work_orders.codes import codes_of
from ringback.work_orders.demo import demo_problem_codes

TEMPLATE = {"code": "pk-1", "name": "Park bench", "tasks": ["Look", " Fix  it "],
            "estimated_minutes": "45", "priority": 2, "crew": "Parks crew"}


def test_the_demo_tree_has_its_path_and_template(codes, appliance):
    assert appliance.path == ("Environmental services > Solid waste > Household collection "
                              "> Appliance pickup")
    got = codes.get(appliance.id)
    assert (got.code, got.tasks, got.estimated_minutes, got.priority, got.crew) == (
        "SW-APPL", ("Confirm items with the resident", "Schedule the truck",
                    "Collect the appliance"), 30, 3, "Bulky waste crew")
    assert [d.name for d in codes.tree()] == ["Environmental services", "Streets"]
    assert demo_problem_codes(codes) == 0  # a second run adds nothing
    assert len(codes_of(codes.tree())) == 3


def test_levels_go_department_provider_category(codes):
    with pytest.raises(ValidationError) as refused:
        codes.add_node("category", "Trees", codes.tree()[0].id)  # under a department
    assert set(refused.value.errors) == {"parent_id"}
    with pytest.raises(ValidationError) as refused:
        codes.add_node("galaxy", "", None)
    assert set(refused.value.errors) == {"level", "name"}
    parks = codes.add_node("department", "Parks")
    assert parks.parent_id is None
    provider = codes.add_node("provider", "Green spaces", parks.id)
    category = codes.add_node("category", "Furniture", provider.id)
    made = codes.add_code(category.id, TEMPLATE)
    assert (made.code, made.tasks, made.estimated_minutes) == ("PK-1", ("Look", "Fix it"), 45)
    assert (made.department, made.provider, made.category) == ("Parks", "Green spaces",
                                                              "Furniture")
    with pytest.raises(ValidationError) as refused:
        codes.add_code(provider.id, {**TEMPLATE, "code": "PK-2"})  # not a category
    assert set(refused.value.errors) == {"category_id"}


def test_names_are_unique_among_siblings_and_codes_everywhere(codes, appliance):
    with pytest.raises(ValidationError) as refused:
        codes.add_node("department", "streets")
    assert "already used" in refused.value.errors["name"]
    with pytest.raises(ValidationError) as refused:
        codes.add_code(appliance.category_id, {**TEMPLATE, "code": "sw-appl"})
    assert refused.value.errors == {"code": "is already the code of Appliance pickup"}


def test_every_template_field_is_checked_and_named(codes, appliance):
    with pytest.raises(ValidationError) as refused:
        codes.add_code(appliance.category_id, {"code": "bad code!", "tasks": "one",
                                               "estimated_minutes": 0, "priority": 6})
    assert set(refused.value.errors) == {"code", "name", "tasks", "estimated_minutes",
                                         "priority", "crew"}


def test_find_by_code_or_name_puts_the_exact_code_first(codes):
    assert [c.name for c in codes.find("sw-miss")] == ["Missed collection"]
    assert [c.code for c in codes.find("sw")] == ["SW-APPL", "SW-MISS"]
    assert [c.name for c in codes.find("  POTHOLE ")] == ["Pothole repair"]
    assert codes.find("   ") == []
    assert codes.find("%") == []  # a wildcard matches itself only


def test_a_template_change_is_stored(codes, appliance):
    changed = codes.update_code(appliance.id, {**TEMPLATE, "code": "SW-APPL",
                                               "name": "Appliance pickup"})
    assert codes.get(appliance.id).tasks == changed.tasks == ("Look", "Fix it")


def test_only_empty_entries_and_unused_codes_are_removed(services, codes, appliance):
    department = codes.tree()[0]
    with pytest.raises(Conflict):
        codes.remove_node(department.id)
    services.work_orders.create(appliance.id, Location("1 Elm Road"), None)
    with pytest.raises(Conflict) as kept:
        codes.remove_code(appliance.id)
    assert "1 work order" in str(kept.value)
    missed = codes.find("SW-MISS")[0]
    codes.remove_code(missed.id)
    with pytest.raises(NotFound):
        codes.get(missed.id)
    parks = codes.add_node("department", "Parks")
    codes.rename_node(parks.id, "Parks and gardens")
    assert codes.get_node(parks.id).name == "Parks and gardens"
    codes.remove_node(parks.id)
    assert [d.name for d in codes.tree()] == ["Environmental services", "Streets"]
