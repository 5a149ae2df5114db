"""Work orders: made from a problem code's template, found again when the same
problem is reported near the same place, moved through their states with a
history, and handed to the adapter (built-in, or the signed webhook).

``create`` and ``advance`` accept an open SQLAlchemy ``Session``: the
requests module saves a request and its work order in one transaction.  What
the adapter sends is queued in that same transaction (the outbox row), so a
rolled-back work order is never announced.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ringback.clock import Clock
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import row_id
from ringback.store.db import Database
from ringback.store.work_orders import (
    MAX_NOTE,
    ProblemCode,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderState,
    template_of,
)
from ringback.work_orders.adapter import BuiltinAdapter, WorkOrderAdapter
from ringback.work_orders.codes import CodeView, ProblemCodes
from ringback.work_orders.location import (
    NEAR_METRES,
    Location,
    address_key,
    box_around,
    checked,
    metres_between,
)
from ringback.work_orders.states import (
    FIRST_STATE,
    NEXT_STATES,
    OPEN_STATES,
    parse_state,
    state_label,
)

MAX_LIMIT = 200


@dataclass(frozen=True)
class HistoryEntry:
    from_state: WorkOrderState | None
    to_state: WorkOrderState
    agent_id: int | None
    note: str
    at: datetime


@dataclass(frozen=True)
class WorkOrderView:
    """A work order as pages, the API and the webhook show it."""

    id: int
    number: str
    problem: CodeView
    tasks: tuple[str, ...]
    estimated_minutes: int
    priority: int
    crew: str
    location: Location
    state: WorkOrderState
    created_by: int | None
    external_ref: str | None
    created_at: datetime
    updated_at: datetime
    history: tuple[HistoryEntry, ...] = ()

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def next_states(self) -> tuple[WorkOrderState, ...]:
        return NEXT_STATES[self.state]


@dataclass(frozen=True)
class WorkOrderPage:
    items: Sequence[WorkOrderView]
    total: int
    limit: int
    offset: int


class WorkOrders:
    """Create, find, list and advance work orders."""

    def __init__(self, db: Database, clock: Clock, codes: ProblemCodes,
                 adapter: WorkOrderAdapter | None = None) -> None:
        self._db = db
        self._clock = clock
        self._codes = codes
        self._adapter = adapter or BuiltinAdapter()

    def create(self, problem_code_id: int | None, location: Location, by_agent_id: int | None,
               session: Session | None = None) -> WorkOrderView:
        """A work order for the problem at ``location``, its template copied from the
        code; waiting for approval.  Without a code: ValidationError at problem_code_id."""
        place = checked(location)
        with self._unit(session) as s:
            key = row_id(problem_code_id) if problem_code_id is not None else None
            code = s.get(ProblemCode, key) if key is not None else None
            if code is None:
                raise ValidationError({"problem_code_id": (
                    "must name a problem code: a work order is made from one"
                    if problem_code_id is None else
                    f"names no problem code (there is no problem code {problem_code_id})")})
            now = self._now()
            order = WorkOrder(problem_code_id=code.id, **template_of(code),
                              address=place.address, address_key=address_key(place.address),
                              latitude=place.latitude, longitude=place.longitude,
                              state=FIRST_STATE.value, created_by=by_agent_id,
                              created_at=now, updated_at=now)
            s.add(order)
            s.flush()
            order.number = f"WO-{order.id:06d}"
            s.add(WorkOrderHistory(work_order_id=order.id, from_state=None,
                                   to_state=FIRST_STATE.value, agent_id=by_agent_id,
                                   note="", at=now))
            s.flush()
            view = self._view(s, order, with_history=True)
            self._adapter.created(s, view)
            return view

    def open_near(self, problem_code_id: int, location: Location) -> list[WorkOrderView]:
        """Open work orders of the same problem code at the same place: the same
        address written any way, or (both having coordinates) within 100 m.
        Nearest first, then oldest first."""
        place = checked(location)
        key = row_id(problem_code_id)
        if key is None:
            return []
        same_place = [WorkOrder.address_key == address_key(place.address)]
        if place.has_point:
            assert place.latitude is not None and place.longitude is not None
            lat0, lat1, lon0, lon1 = box_around(place.latitude, place.longitude)
            same_place.append(WorkOrder.latitude.between(lat0, lat1)
                              & WorkOrder.longitude.between(lon0, lon1))
        with self._db.session() as s:
            rows = s.scalars(select(WorkOrder).where(
                WorkOrder.problem_code_id == key,
                WorkOrder.state.in_([st.value for st in OPEN_STATES]),
                or_(*same_place)).order_by(WorkOrder.created_at, WorkOrder.id)).all()
            found: list[tuple[float, WorkOrderView]] = []
            for order in rows:
                distance = _distance(place, order)
                same_address = order.address_key == address_key(place.address)
                if not same_address and (distance is None or distance > NEAR_METRES):
                    continue
                found.append((0.0 if same_address else distance or 0.0,
                              self._view(s, order)))
        return [view for _d, view in sorted(found, key=lambda pair: pair[0])]

    def get(self, work_order_id: int) -> WorkOrderView:
        """The work order with its history, or NotFound."""
        with self._db.session() as s:
            return self._view(s, _order(s, work_order_id), with_history=True)

    def page(self, *, state: str | None = None, open_only: bool = False, limit: int = 50,
             offset: int = 0) -> WorkOrderPage:
        """Work orders, newest first; ``state`` one state (its name or label)."""
        query = select(WorkOrder)
        if state:
            wanted = parse_state(state)
            if wanted is None:
                raise ValidationError({"state": _STATE_RULE})
            query = query.where(WorkOrder.state == wanted.value)
        elif open_only:
            query = query.where(WorkOrder.state.in_([st.value for st in OPEN_STATES]))
        limit = max(1, min(limit, MAX_LIMIT))
        with self._db.session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(query.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
                             .limit(limit).offset(max(offset, 0))).all()
            return WorkOrderPage([self._view(s, o) for o in rows], total, limit, offset)

    def advance(self, work_order_id: int, to_state: str | WorkOrderState,
                by_agent_id: int | None, note: str = "",
                session: Session | None = None) -> WorkOrderView:
        """Move the work order to ``to_state`` with a history row.  An unknown state or
        a note too long is a ValidationError; a step the state table does not allow
        (or a change by someone else at the same moment) a Conflict."""
        wanted = parse_state(to_state)
        text = note.strip() if isinstance(note, str) else ""
        errors: dict[str, str] = {}
        if wanted is None:
            errors["state"] = _STATE_RULE
        if not isinstance(note, str | None):
            errors["note"] = "must be text"
        elif len(text) > MAX_NOTE:
            errors["note"] = f"must be at most {MAX_NOTE} characters"
        if errors:
            raise ValidationError(errors)
        assert wanted is not None
        with self._unit(session) as s:
            order = _order(s, work_order_id)
            current = WorkOrderState(order.state)
            if wanted not in NEXT_STATES[current]:
                allowed = ", ".join(state_label(st) for st in NEXT_STATES[current])
                raise Conflict(
                    f"work order {order.number} is {state_label(current)}; it can go to "
                    f"{allowed or 'no other state'}, not to {state_label(wanted)}")
            now = self._now()
            # Conditional: of two agents moving it at once, the second one is told.
            moved = s.execute(update(WorkOrder).where(
                WorkOrder.id == order.id, WorkOrder.state == current.value)
                .values(state=wanted.value, updated_at=now)
                .execution_options(synchronize_session=False))
            if getattr(moved, "rowcount", 1) != 1:
                raise Conflict(f"work order {order.number} changed at the same moment; "
                               "look at it again")
            s.add(WorkOrderHistory(work_order_id=order.id, from_state=current.value,
                                   to_state=wanted.value, agent_id=by_agent_id, note=text,
                                   at=now))
            s.flush()
            s.refresh(order)
            view = self._view(s, order, with_history=True)
            self._adapter.changed(s, view, view.history[-1])
            return view

    def linked_requests(self, work_order_id: int) -> list[Any]:
        """The call-centre requests linked to the work order, oldest first."""
        from ringback.store.service_requests import ServiceRequest

        with self._db.session() as s:
            _order(s, work_order_id)
            return list(s.scalars(select(ServiceRequest)
                                  .where(ServiceRequest.work_order_id == work_order_id)
                                  .order_by(ServiceRequest.created_at, ServiceRequest.id)))

    @contextmanager
    def _unit(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
            return
        with self._db.session() as own:
            yield own

    def _view(self, s: Session, order: WorkOrder, *, with_history: bool = False
              ) -> WorkOrderView:
        history: tuple[HistoryEntry, ...] = ()
        if with_history:
            rows = s.scalars(select(WorkOrderHistory)
                             .where(WorkOrderHistory.work_order_id == order.id)
                             .order_by(WorkOrderHistory.at, WorkOrderHistory.id))
            history = tuple(HistoryEntry(
                WorkOrderState(r.from_state) if r.from_state else None,
                WorkOrderState(r.to_state), r.agent_id, r.note, _utc(r.at)) for r in rows)
        return WorkOrderView(
            order.id, order.number or f"WO-{order.id:06d}",
            self._codes.get_in(s, order.problem_code_id), tuple(order.tasks),
            order.estimated_minutes, order.priority, order.crew,
            Location(order.address, order.latitude, order.longitude),
            WorkOrderState(order.state), order.created_by, order.external_ref,
            _utc(order.created_at), _utc(order.updated_at), history)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)


_STATE_RULE = ("must be one of Waiting for approval, Approved, In progress, Completed, "
               "Closed (or waiting_approval, approved, in_progress, completed, closed)")


def _order(s: Session, work_order_id: object) -> WorkOrder:
    key = row_id(work_order_id)
    order = s.get(WorkOrder, key) if key is not None else None
    if order is None:
        raise NotFound("work order", work_order_id)
    return order


def _distance(place: Location, order: WorkOrder) -> float | None:
    if not place.has_point or order.latitude is None or order.longitude is None:
        return None
    assert place.latitude is not None and place.longitude is not None
    return metres_between(place.latitude, place.longitude, order.latitude, order.longitude)


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
