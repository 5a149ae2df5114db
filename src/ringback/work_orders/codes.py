"""The problem-code tree: department > service provider > service category >
problem code, each code with the template of the work order it needs.

Admin pages edit the tree through ``ProblemCodes``; the request form reads it
(``tree``), looks a code up while the agent types (``find``) and names the
code chosen with its path (``get``).  A node that still has children, or a
code that work orders or requests use, is not removed (Conflict): nothing
already filed loses its problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import row_id, whole_number
from ringback.store.db import Database
from ringback.store.work_orders import (
    MAX_CODE,
    MAX_NAME,
    NodeLevel,
    ProblemCode,
    ProblemNode,
    WorkOrder,
)

MAX_TASKS = 50
MAX_TASK = 300
MAX_MINUTES = 60 * 24 * 30
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")
PARENT_LEVEL = {NodeLevel.DEPARTMENT: None, NodeLevel.PROVIDER: NodeLevel.DEPARTMENT,
                NodeLevel.CATEGORY: NodeLevel.PROVIDER}
LEVEL_WORDS = {NodeLevel.DEPARTMENT: "department", NodeLevel.PROVIDER: "service provider",
               NodeLevel.CATEGORY: "service category"}


@dataclass(frozen=True)
class CodeView:
    """A problem code with its template and the names of its place in the tree."""

    id: int
    code: str
    name: str
    tasks: tuple[str, ...]
    estimated_minutes: int
    priority: int
    crew: str
    category_id: int
    department: str
    provider: str
    category: str

    @property
    def path(self) -> str:
        return f"{self.department} > {self.provider} > {self.category} > {self.name}"


@dataclass(frozen=True)
class TreeNode:
    """A department, provider or category with what hangs under it."""

    id: int
    level: NodeLevel
    name: str
    parent_id: int | None
    children: list[TreeNode] = field(default_factory=list)
    codes: list[CodeView] = field(default_factory=list)


class ProblemCodes:
    """Read and edit the problem-code tree."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- reading -------------------------------------------------------------------

    def tree(self) -> list[TreeNode]:
        """Every department with its providers, categories and codes, by name."""
        with self._db.session() as session:
            nodes = session.scalars(select(ProblemNode).order_by(
                func.lower(ProblemNode.name), ProblemNode.id)).all()
            codes = session.scalars(select(ProblemCode).order_by(
                func.lower(ProblemCode.name), ProblemCode.id)).all()
        built = {n.id: TreeNode(n.id, NodeLevel(n.level), n.name, n.parent_id) for n in nodes}
        roots: list[TreeNode] = []
        for node in built.values():
            parent = built.get(node.parent_id) if node.parent_id is not None else None
            (parent.children if parent else roots).append(node)
        for code in codes:
            category = built.get(code.category_id)
            if category is not None:
                category.codes.append(_view(code, built))
        return roots

    def get(self, code_id: int) -> CodeView:
        """The code with its template and path, or NotFound."""
        with self._db.session() as session:
            return self.get_in(session, code_id)

    def get_in(self, session: Session, code_id: object) -> CodeView:
        key = row_id(code_id)
        code = session.get(ProblemCode, key) if key is not None else None
        if code is None:
            raise NotFound("problem code", code_id)
        return _view(code, _path_nodes(session, code.category_id))

    def find(self, text: str, limit: int = 10) -> list[CodeView]:
        """Codes whose code or name holds ``text`` (any case): the exact code first,
        then codes starting with it, then the rest by name."""
        needle = " ".join(str(text).split()).lower()
        if not needle:
            return []
        with self._db.session() as session:
            found = session.scalars(select(ProblemCode).where(or_(
                func.lower(ProblemCode.code).contains(needle, autoescape=True),
                func.lower(ProblemCode.name).contains(needle, autoescape=True)))
                .order_by(func.lower(ProblemCode.name), ProblemCode.id).limit(200)).all()
            nodes = _all_nodes(session)

        def rank(code: ProblemCode) -> tuple[int, str]:
            lowered = code.code.lower()
            first = 0 if lowered == needle else 1 if lowered.startswith(needle) else \
                2 if code.name.lower().startswith(needle) else 3
            return first, code.name.lower()

        return [_view(c, nodes) for c in sorted(found, key=rank)[:limit]]

    def get_node(self, node_id: int) -> TreeNode:
        with self._db.session() as session:
            node = _node(session, node_id)
            return TreeNode(node.id, NodeLevel(node.level), node.name, node.parent_id)

    def path_of(self, node_id: int) -> list[TreeNode]:
        """The node and the nodes above it, top down."""
        with self._db.session() as session:
            _node(session, node_id)
            nodes = _path_nodes(session, node_id)
        path: list[TreeNode] = []
        current: int | None = node_id
        while current is not None and current in nodes:
            n = nodes[current]
            path.insert(0, TreeNode(n.id, NodeLevel(n.level), n.name, n.parent_id))
            current = n.parent_id
        return path

    # -- editing the tree --------------------------------------------------------------

    def add_node(self, level: str, name: object, parent_id: int | None = None) -> TreeNode:
        """A department (no parent), a provider under a department or a category under
        a provider."""
        errors: dict[str, str] = {}
        wanted = _level(errors, level)
        clean = _name(errors, "name", name)
        if errors:
            raise ValidationError(errors)
        assert wanted is not None
        with self._writing() as session:
            above = PARENT_LEVEL[wanted]
            if above is None:
                parent_id = None
            else:
                parent = session.get(ProblemNode, row_id(parent_id)) \
                    if row_id(parent_id) is not None else None
                if parent is None or parent.level != above.value:
                    raise ValidationError({"parent_id": f"must name a {LEVEL_WORDS[above]}"})
            _unique_name(session, parent_id, clean, None)
            node = ProblemNode(parent_id=parent_id, level=wanted.value, name=clean)
            session.add(node)
            session.flush()
            return TreeNode(node.id, wanted, node.name, node.parent_id)

    def rename_node(self, node_id: int, name: object) -> TreeNode:
        errors: dict[str, str] = {}
        clean = _name(errors, "name", name)
        if errors:
            raise ValidationError(errors)
        with self._writing() as session:
            node = _node(session, node_id)
            _unique_name(session, node.parent_id, clean, node.id)
            node.name = clean
            return TreeNode(node.id, NodeLevel(node.level), node.name, node.parent_id)

    def remove_node(self, node_id: int) -> None:
        """Remove an empty department, provider or category."""
        with self._writing() as session:
            node = _node(session, node_id)
            children = session.scalar(select(func.count(ProblemNode.id))
                                      .where(ProblemNode.parent_id == node.id)) or 0
            codes = session.scalar(select(func.count(ProblemCode.id))
                                   .where(ProblemCode.category_id == node.id)) or 0
            if children or codes:
                below = "problem codes" if codes else "entries"
                raise Conflict(f"{node.name} still has {children + codes} {below} under it; "
                               "remove those first")
            session.delete(node)

    # -- editing codes -------------------------------------------------------------------

    def add_code(self, category_id: int, fields: Mapping[str, Any]) -> CodeView:
        values = code_fields(fields)
        with self._writing() as session:
            category = session.get(ProblemNode, row_id(category_id)) \
                if row_id(category_id) is not None else None
            if category is None or category.level != NodeLevel.CATEGORY.value:
                raise ValidationError({"category_id": "must name a service category"})
            _unique_code(session, values["code"], None)
            code = ProblemCode(category_id=category.id, **values)
            session.add(code)
            session.flush()
            return _view(code, _path_nodes(session, category.id))

    def update_code(self, code_id: int, fields: Mapping[str, Any]) -> CodeView:
        """Change a code and its template; work orders already made keep their copy."""
        values = code_fields(fields)
        with self._writing() as session:
            code = _code(session, code_id)
            _unique_code(session, values["code"], code.id)
            for name, value in values.items():
                setattr(code, name, value)
            session.flush()
            return _view(code, _path_nodes(session, code.category_id))

    def remove_code(self, code_id: int) -> None:
        """Remove a code no work order and no request uses."""
        with self._writing() as session:
            code = _code(session, code_id)
            used = session.scalar(select(func.count(WorkOrder.id))
                                  .where(WorkOrder.problem_code_id == code.id)) or 0
            if used:
                raise Conflict(f"{code.name} is the problem of {used} work order(s); "
                               "it stays so that they keep their problem")
            requests = requests_naming(session, code.id)
            if requests:
                raise Conflict(f"{code.name} is the problem of {requests} request(s); "
                               "it stays so that reports keep counting them")
            session.delete(code)

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A unit of work whose clash with a concurrent one is a Conflict, not a crash."""
        try:
            with self._db.session() as session:
                yield session
        except IntegrityError:
            raise Conflict("the problem codes changed at the same moment in another "
                           "request; read them again and repeat the change") from None


def code_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A problem code's fields checked: code, name, tasks, estimated_minutes, priority,
    crew; every broken rule named at its field."""
    errors: dict[str, str] = {}
    raw_code = fields.get("code")
    code = raw_code.strip().upper() if isinstance(raw_code, str) else ""
    if not code:
        errors["code"] = "must be given (a short code such as SW-APPL)"
    elif len(code) > MAX_CODE or not CODE_PATTERN.match(code):
        errors["code"] = (f"must be at most {MAX_CODE} letters, digits, dots, hyphens or "
                          "underscores, starting with a letter or digit")
    name = _name(errors, "name", fields.get("name"))
    tasks = _tasks(errors, fields.get("tasks"))
    minutes = _required_number(errors, "estimated_minutes", fields.get("estimated_minutes"),
                               1, MAX_MINUTES)
    priority = _required_number(errors, "priority", fields.get("priority"), 1, 5)
    crew = _name(errors, "crew", fields.get("crew"))
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "tasks": tasks, "estimated_minutes": minutes,
            "priority": priority, "crew": crew}


def _required_number(errors: dict[str, str], name: str, raw: object, low: int,
                     high: int) -> int:
    if raw is None or raw == "":
        errors[name] = f"must be given, a whole number from {low} to {high}"
        return low
    return whole_number(errors, name, raw, default=low, minimum=low, maximum=high)


def _tasks(errors: dict[str, str], raw: object) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        errors["tasks"] = "must be a list of texts, one per task"
        return []
    tasks = [" ".join(t.split()) for t in raw]
    tasks = [t for t in tasks if t]
    if len(tasks) > MAX_TASKS:
        errors["tasks"] = f"must be at most {MAX_TASKS} tasks"
    elif any(len(t) > MAX_TASK for t in tasks):
        errors["tasks"] = f"must each be at most {MAX_TASK} characters"
    return tasks


def _name(errors: dict[str, str], key: str, raw: object) -> str:
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not text:
        errors[key] = "must be given"
    elif len(text) > MAX_NAME:
        errors[key] = f"must be at most {MAX_NAME} characters"
    return text


def _level(errors: dict[str, str], raw: object) -> NodeLevel | None:
    try:
        return NodeLevel(raw)
    except ValueError:
        errors["level"] = "must be one of department, provider, category"
        return None


def _unique_name(session: Session, parent_id: int | None, name: str, own: int | None) -> None:
    same = select(ProblemNode.id).where(
        func.lower(ProblemNode.name) == name.lower(),
        ProblemNode.parent_id.is_(None) if parent_id is None
        else ProblemNode.parent_id == parent_id)
    if own is not None:
        same = same.where(ProblemNode.id != own)
    if session.scalar(same) is not None:
        raise ValidationError({"name": f"is already used by another entry here ({name})"})


def _unique_code(session: Session, code: str, own: int | None) -> None:
    same = select(ProblemCode.name).where(ProblemCode.code == code)
    if own is not None:
        same = same.where(ProblemCode.id != own)
    other = session.scalar(same)
    if other is not None:
        raise ValidationError({"code": f"is already the code of {other}"})


def _node(session: Session, node_id: object) -> ProblemNode:
    key = row_id(node_id)
    node = session.get(ProblemNode, key) if key is not None else None
    if node is None:
        raise NotFound("problem tree entry", node_id)
    return node


def _code(session: Session, code_id: object) -> ProblemCode:
    key = row_id(code_id)
    code = session.get(ProblemCode, key) if key is not None else None
    if code is None:
        raise NotFound("problem code", code_id)
    return code


def _all_nodes(session: Session) -> dict[int, Any]:
    return {n.id: n for n in session.scalars(select(ProblemNode))}


def _path_nodes(session: Session, node_id: int) -> dict[int, Any]:
    """The node and its ancestors (at most three rows), by id."""
    found: dict[int, Any] = {}
    current: int | None = node_id
    while current is not None and current not in found:
        node = session.get(ProblemNode, current)
        if node is None:
            break
        found[node.id] = node
        current = node.parent_id
    return found


def _view(code: ProblemCode, nodes: Mapping[int, Any]) -> CodeView:
    names: dict[NodeLevel, str] = {}
    current: int | None = code.category_id
    while current is not None and current in nodes:
        node = nodes[current]
        names[NodeLevel(node.level)] = node.name
        current = node.parent_id
    return CodeView(code.id, code.code, code.name, tuple(code.tasks), code.estimated_minutes,
                    code.priority, code.crew, code.category_id,
                    names.get(NodeLevel.DEPARTMENT, ""), names.get(NodeLevel.PROVIDER, ""),
                    names.get(NodeLevel.CATEGORY, ""))


def codes_of(tree: Sequence[TreeNode]) -> list[CodeView]:
    """Every code of a tree, depth first."""
    found: list[CodeView] = []
    for node in tree:
        found.extend(node.codes)
        found.extend(codes_of(node.children))
    return found


def requests_naming(session: Session, code_id: int) -> int:
    """How many call-centre requests name the code."""
    from ringback.store.service_requests import ServiceRequest

    if not inspect(session.connection()).has_table(ServiceRequest.__tablename__):
        return 0  # a database not yet migrated past 0020
    return session.scalar(select(func.count(ServiceRequest.id))
                          .where(ServiceRequest.problem_code_id == code_id)) or 0
