"""Work orders and problem codes as JSON documents: what the API answers and what
the work-order webhook sends (one shape for both)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ringback.work_orders.states import state_label

if TYPE_CHECKING:
    from ringback.work_orders.codes import CodeView, TreeNode
    from ringback.work_orders.orders import HistoryEntry, WorkOrderView


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def code_document(code: CodeView) -> dict[str, Any]:
    return {"id": code.id, "code": code.code, "name": code.name,
            "department": code.department, "provider": code.provider,
            "category": code.category, "category_id": code.category_id,
            "template": {"tasks": list(code.tasks),
                         "estimated_minutes": code.estimated_minutes,
                         "priority": code.priority, "crew": code.crew}}


def tree_document(node: TreeNode) -> dict[str, Any]:
    return {"id": node.id, "level": node.level.value, "name": node.name,
            "children": [tree_document(child) for child in node.children],
            "codes": [code_document(code) for code in node.codes]}


def history_document(entry: HistoryEntry) -> dict[str, Any]:
    return {"from_state": entry.from_state.value if entry.from_state else None,
            "to_state": entry.to_state.value, "agent_id": entry.agent_id,
            "note": entry.note, "at": iso(entry.at)}


def work_order_document(order: WorkOrderView) -> dict[str, Any]:
    place = order.location
    return {
        "id": order.id, "number": order.number,
        "state": order.state.value, "state_label": state_label(order.state),
        "problem_code": {"id": order.problem.id, "code": order.problem.code,
                         "name": order.problem.name, "department": order.problem.department,
                         "provider": order.problem.provider,
                         "category": order.problem.category},
        "tasks": list(order.tasks), "estimated_minutes": order.estimated_minutes,
        "priority": order.priority, "crew": order.crew,
        "location": {"address": place.address, "latitude": place.latitude,
                     "longitude": place.longitude},
        "created_by": order.created_by, "external_ref": order.external_ref,
        "created_at": iso(order.created_at), "updated_at": iso(order.updated_at),
        "history": [history_document(entry) for entry in order.history],
    }
