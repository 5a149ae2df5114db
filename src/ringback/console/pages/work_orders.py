"""Admin → Problem codes (the tree and each code's work-order template) and
Work → Work orders (list, detail with tasks, linked requests and history,
state changes).

Problem codes need the Work orders permission; work orders are seen with the
Requests permission and moved to another state with Work orders.  The work is
``ProblemCodes`` and ``WorkOrders``; a refused form stores nothing and comes
back with the rules at the fields (422), a refused step as a red banner.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area, require_viewer
from ringback.console.context import directory, services
from ringback.console.web import notify
from ringback.errors import Conflict, PermissionDenied, ValidationError
from ringback.store.models import Permission
from ringback.store.work_orders import NodeLevel
from ringback.work_orders import CodeView, ProblemCodes, TreeNode, WorkOrders
from ringback.work_orders.codes import LEVEL_WORDS
from ringback.work_orders.states import OPEN_STATES, STATE_LABELS, state_label

EDIT = area(Permission.WORK_ORDERS)
SEE = area(Permission.REQUESTS)
CONFIRM_RULE = "Tick the box to confirm the removal"
CHILD_LEVEL = {NodeLevel.DEPARTMENT: NodeLevel.PROVIDER, NodeLevel.PROVIDER: NodeLevel.CATEGORY}
CODE_LABELS = {"code": "Code", "name": "Name", "tasks": "Tasks",
               "estimated_minutes": "Estimated duration (minutes)", "priority": "Priority",
               "crew": "Crew or queue", "category_id": "Category"}
NODE_LABELS = {"name": "Name", "level": "Level", "parent_id": "Place in the tree"}
STATE_FORM_LABELS = {"state": "New state", "note": "Note"}
PRIORITIES = {1: "1 very low", 2: "2 low", 3: "3 normal", 4: "4 high", 5: "5 very high"}


def register(bp: Blueprint) -> None:
    # -- problem codes -----------------------------------------------------------------

    @bp.get("/problem-codes")
    @access(EDIT)
    def problem_codes() -> ResponseReturnValue:
        return _tree_page({}, "")

    @bp.post("/problem-codes/departments")
    @access(EDIT)
    def problem_codes_add_department() -> ResponseReturnValue:
        name = request.form.get("name", "")
        try:
            node = _codes().add_node(NodeLevel.DEPARTMENT.value, name)
        except ValidationError as exc:
            return _tree_page(exc.errors, name), 422
        notify(f"{node.name} is added. Add its service providers next.")
        return redirect(url_for("console.problem_codes_node", node_id=node.id))

    @bp.route("/problem-codes/nodes/<int:node_id>", methods=["GET", "POST"])
    @access(EDIT)
    def problem_codes_node(node_id: int) -> ResponseReturnValue:
        node = _codes().get_node(node_id)
        if request.method == "GET":
            return _node_page(node, {}, node.name)
        name = request.form.get("name", "")
        try:
            renamed = _codes().rename_node(node_id, name)
        except ValidationError as exc:
            return _node_page(node, exc.errors, name), 422
        notify(f"{node.name} is now {renamed.name}." if renamed.name != node.name
               else "Nothing changed.")
        return redirect(url_for("console.problem_codes_node", node_id=node_id))

    @bp.post("/problem-codes/nodes/<int:node_id>/children")
    @access(EDIT)
    def problem_codes_add_child(node_id: int) -> ResponseReturnValue:
        node = _codes().get_node(node_id)
        child = CHILD_LEVEL.get(node.level)
        if child is None:
            return redirect(url_for("console.problem_code_new", category_id=node_id))
        name = request.form.get("child_name", "")
        try:
            added = _codes().add_node(child.value, name, node.id)
        except ValidationError as exc:
            errors = {("child_name" if k == "name" else k): v for k, v in exc.errors.items()}
            return _node_page(node, errors, node.name, child_name=name), 422
        notify(f"{added.name} is added to {node.name}.")
        return redirect(url_for("console.problem_codes_node", node_id=added.id))

    @bp.post("/problem-codes/nodes/<int:node_id>/remove")
    @access(EDIT)
    def problem_codes_remove_node(node_id: int) -> ResponseReturnValue:
        node = _codes().get_node(node_id)
        if request.form.get("confirm") != "yes":
            return _node_page(node, {}, node.name, remove_error=CONFIRM_RULE), 422
        try:
            _codes().remove_node(node_id)
        except Conflict as exc:
            return _node_page(node, {}, node.name, remove_error=_sentence(exc)), 409
        notify(f"{node.name} is removed.")
        if node.parent_id is not None:
            return redirect(url_for("console.problem_codes_node", node_id=node.parent_id))
        return redirect(url_for("console.problem_codes"))

    @bp.route("/problem-codes/nodes/<int:category_id>/codes/new", methods=["GET", "POST"])
    @access(EDIT)
    def problem_code_new(category_id: int) -> ResponseReturnValue:
        category = _codes().get_node(category_id)
        if request.method == "GET":
            return _code_page(category, None, _blank_form(), {})
        shown = dict(request.form)
        try:
            code = _codes().add_code(category_id, _code_payload(request.form))
        except ValidationError as exc:
            return _code_page(category, None, shown, exc.errors), 422
        notify(f"{code.name} ({code.code}) is added to {category.name}.")
        return redirect(url_for("console.problem_codes_node", node_id=category_id))

    @bp.route("/problem-codes/codes/<int:code_id>", methods=["GET", "POST"])
    @access(EDIT)
    def problem_code(code_id: int) -> ResponseReturnValue:
        code = _codes().get(code_id)
        category = _codes().get_node(code.category_id)
        if request.method == "GET":
            return _code_page(category, code, _code_form(code), {})
        shown = dict(request.form)
        try:
            after = _codes().update_code(code_id, _code_payload(request.form))
        except ValidationError as exc:
            return _code_page(category, code, shown, exc.errors), 422
        notify(f"{after.name} is saved. Work orders made before keep the template they "
               "were made with." if after != code else "Nothing changed.")
        return redirect(url_for("console.problem_code", code_id=code_id))

    @bp.post("/problem-codes/codes/<int:code_id>/remove")
    @access(EDIT)
    def problem_code_remove(code_id: int) -> ResponseReturnValue:
        code = _codes().get(code_id)
        category = _codes().get_node(code.category_id)
        if request.form.get("confirm") != "yes":
            return _code_page(category, code, _code_form(code), {},
                              remove_error=CONFIRM_RULE), 422
        try:
            _codes().remove_code(code_id)
        except Conflict as exc:
            return _code_page(category, code, _code_form(code), {},
                              remove_error=_sentence(exc)), 409
        notify(f"{code.name} is removed.")
        return redirect(url_for("console.problem_codes_node", node_id=category.id))

    # -- work orders ---------------------------------------------------------------------

    @bp.get("/work-orders")
    @access(SEE)
    def work_orders() -> ResponseReturnValue:
        shown = request.args.get("state", "open")
        if shown != "open" and shown != "all" and shown not in {s.value for s in STATE_LABELS}:
            shown = "open"
        page = _orders().page(state=None if shown in ("open", "all") else shown,
                              open_only=shown == "open", limit=200)
        return render_template("console/work_orders.html", page=page, shown=shown,
                               labels=STATE_LABELS, open_words=_open_words())

    @bp.get("/work-orders/<int:work_order_id>")
    @access(SEE)
    def work_order(work_order_id: int) -> ResponseReturnValue:
        return _order_page(work_order_id, {}, {})

    @bp.post("/work-orders/<int:work_order_id>/state")
    @access(SEE)
    def work_order_state(work_order_id: int) -> ResponseReturnValue:
        me = require_viewer()
        if not me.principal.may(Permission.WORK_ORDERS):
            raise PermissionDenied("changing a work order's state needs the Work orders and "
                                   "problem codes permission")
        shown = {"state": request.form.get("state", ""), "note": request.form.get("note", "")}
        try:
            order = _orders().advance(work_order_id, shown["state"], me.agent.id,
                                      shown["note"])
        except ValidationError as exc:
            errors = exc.errors
            if "state" in errors:
                errors = {**errors, "state": "choose the state the work order goes to"}
            return _order_page(work_order_id, shown, errors), 422
        except Conflict as exc:
            return _order_page(work_order_id, shown, {}, banner=_sentence(exc)), 409
        notify(f"Work order {order.number} is now {order.state_label}.")
        return redirect(url_for("console.work_order", work_order_id=work_order_id))


def _codes() -> ProblemCodes:
    return services().problem_codes


def _orders() -> WorkOrders:
    return services().work_orders


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


def _open_words() -> str:
    return ", ".join(state_label(s) for s in OPEN_STATES)


def _tree_page(errors: dict[str, str], name: str) -> str:
    return render_template("console/problem_codes.html", tree=_codes().tree(), errors=errors,
                           labels=NODE_LABELS, name=name, level_words=LEVEL_WORDS)


def _node_page(node: TreeNode, errors: dict[str, str], name: str, *, child_name: str = "",
               remove_error: str | None = None) -> str:
    path = _codes().path_of(node.id)
    full = _find(_codes().tree(), node.id) or node
    child = CHILD_LEVEL.get(node.level)
    return render_template(
        "console/problem_code_node.html", node=full, path=path[:-1], errors=errors,
        labels={**NODE_LABELS, "child_name": "Name"}, name=name, child_name=child_name,
        child_words=LEVEL_WORDS[child] if child else None, level_words=LEVEL_WORDS,
        remove_error=remove_error)


def _find(nodes: list[TreeNode], node_id: int) -> TreeNode | None:
    for node in nodes:
        if node.id == node_id:
            return node
        found = _find(node.children, node_id)
        if found is not None:
            return found
    return None


def _blank_form() -> dict[str, str]:
    return {"code": "", "name": "", "tasks": "", "estimated_minutes": "", "priority": "3",
            "crew": ""}


def _code_form(code: CodeView) -> dict[str, str]:
    return {"code": code.code, "name": code.name, "tasks": "\n".join(code.tasks),
            "estimated_minutes": str(code.estimated_minutes), "priority": str(code.priority),
            "crew": code.crew}


def _code_payload(form: Any) -> dict[str, Any]:
    """The form's fields as ``ProblemCodes``' payload: tasks one per line."""
    return {"code": form.get("code", ""), "name": form.get("name", ""),
            "tasks": [line for line in form.get("tasks", "").splitlines() if line.strip()],
            "estimated_minutes": form.get("estimated_minutes", "").strip(),
            "priority": form.get("priority", "").strip(), "crew": form.get("crew", "")}


def _code_page(category: TreeNode, code: CodeView | None, shown: dict[str, str],
               errors: dict[str, str], *, remove_error: str | None = None) -> str:
    path = _codes().path_of(category.id)
    return render_template("console/problem_code.html", category=category, path=path,
                           code=code, shown=shown, errors=errors, labels=CODE_LABELS,
                           priorities=PRIORITIES, remove_error=remove_error)


def _order_page(work_order_id: int, shown: dict[str, str], errors: dict[str, str], *,
                banner: str | None = None) -> str:
    order = _orders().get(work_order_id)
    me = require_viewer()
    names = {a.id: a.name for a in directory().all()}
    return render_template(
        "console/work_order.html", order=order, requests=_orders().linked_requests(order.id),
        names=names, may_change=me.principal.may(Permission.WORK_ORDERS), shown=shown,
        errors=errors, labels=STATE_FORM_LABELS, banner=banner, state_label=state_label,
        priorities=PRIORITIES, request_words=_REQUEST_WORDS)


_REQUEST_WORDS = {"information": "Information", "action": "Action", "remark": "Remark"}
