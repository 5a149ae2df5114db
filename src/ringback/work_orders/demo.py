"""Example problem codes for ``ringback demo-data``: two departments, each with one
provider and category, so the request form and the work-order pages have
something to show.  A second run adds nothing (existing names are kept)."""

from __future__ import annotations

from typing import Any

from ringback.store.work_orders import NodeLevel
from ringback.work_orders.codes import ProblemCodes, TreeNode

# department > provider > category > [problem code fields]
TREE: tuple[tuple[str, str, str, tuple[dict[str, Any], ...]], ...] = (
    ("Environmental services", "Solid waste", "Household collection", (
        {"code": "SW-APPL", "name": "Appliance pickup",
         "tasks": ["Confirm items with the resident", "Schedule the truck",
                   "Collect the appliance"],
         "estimated_minutes": 30, "priority": 3, "crew": "Bulky waste crew"},
        {"code": "SW-MISS", "name": "Missed collection",
         "tasks": ["Check the route log", "Send the truck back", "Collect the bins"],
         "estimated_minutes": 20, "priority": 4, "crew": "Household collection crew"},
    )),
    ("Streets", "Road maintenance", "Potholes", (
        {"code": "RD-POTH", "name": "Pothole repair",
         "tasks": ["Inspect and mark the pothole", "Fill and compact", "Reopen the lane"],
         "estimated_minutes": 90, "priority": 4, "crew": "Road repair crew"},
    )),
)


def demo_problem_codes(codes: ProblemCodes) -> int:
    """Add the example tree; how many problem codes were added."""
    added = 0
    for department, provider, category, problems in TREE:
        top = _child(codes, codes.tree(), NodeLevel.DEPARTMENT, department, None)
        middle = _child(codes, top.children, NodeLevel.PROVIDER, provider, top.id)
        leaf = _child(codes, middle.children, NodeLevel.CATEGORY, category, middle.id)
        known = {code.code for code in leaf.codes}
        for fields in problems:
            if fields["code"] not in known and not any(
                    c.code == fields["code"] for c in codes.find(fields["code"])):
                codes.add_code(leaf.id, fields)
                added += 1
    return added


def _child(codes: ProblemCodes, siblings: list[TreeNode], level: NodeLevel, name: str,
           parent_id: int | None) -> TreeNode:
    for node in siblings:
        if node.name.lower() == name.lower():
            return node
    codes.add_node(level.value, name, parent_id)
    for node in (codes.tree() if parent_id is None else _children_of(codes, parent_id)):
        if node.name.lower() == name.lower():
            return node
    raise RuntimeError(f"{name} was added but is not in the tree")  # pragma: no cover


def _children_of(codes: ProblemCodes, node_id: int) -> list[TreeNode]:
    stack = list(codes.tree())
    while stack:
        node = stack.pop()
        if node.id == node_id:
            return node.children
        stack.extend(node.children)
    return []
