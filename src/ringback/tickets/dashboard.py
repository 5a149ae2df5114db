"""The customer information center's queries: searching customers, the ticket
widgets of one customer (or one customer user) with their filters and counts,
the customer users' open and closed ticket counts, and each agent's layout.

Widgets: ``reminder`` (pending reminder whose time has come), ``escalated``
(some escalation time has passed), ``new`` and ``open``; each has the filters
``locked`` (locked by the agent), ``queues`` (in the agent's queues) and
``all``.  Every widget's every count comes from one query of conditional sums
over the indexes ``(customer_id, state)`` / ``(customer_user_id, state)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, func, literal, or_, select
from sqlalchemy.sql.functions import coalesce

from ringback.clock import Clock
from ringback.customers.phones import caller_e164
from ringback.errors import ValidationError
from ringback.store.console import from_epoch
from ringback.store.customers import Customer, CustomerUser, CustomerUserPhone
from ringback.store.db import Database
from ringback.store.tickets import CLOSED_STATES, DashboardLayout, Ticket, TicketState
from ringback.tickets.listing import TicketListing, TicketPage, escalated_at, reminder_due_at

TICKET_WIDGETS = ("reminder", "escalated", "new", "open")
WIDGETS = ("customer_users", *TICKET_WIDGETS)
FILTERS = ("locked", "queues", "all")
SEARCH_RULE = "type at least two letters of a name or e-mail address (** lists every customer)"
SEARCH_LIMIT = 50
WIDGET_LIMIT = 10
_CLOSED = [s.value for s in CLOSED_STATES]
_NOT_CLOSED = [s.value for s in TicketState if s not in CLOSED_STATES]


@dataclass(frozen=True)
class Scope:
    """Whose tickets a dashboard shows: one customer's, or one customer user's."""

    customer_id: int | None = None
    customer_user_id: int | None = None

    def args(self) -> dict[str, str]:
        if self.customer_user_id is not None:
            return {"customer_user_id": str(self.customer_user_id)}
        return {"customer_id": str(self.customer_id)}

    def where(self) -> ColumnElement[bool]:
        if self.customer_user_id is not None:
            return Ticket.customer_user_id == self.customer_user_id
        return Ticket.customer_id == self.customer_id


@dataclass(frozen=True)
class SearchResult:
    customers: list[Customer]
    users: list[CustomerUser]
    everyone: bool


@dataclass(frozen=True)
class UserLine:
    """A customer user in the Customer users widget, with their ticket counts."""

    user: CustomerUser
    open: int
    closed: int


class TicketDashboard:
    """What the customer information center reads; no web code here."""

    def __init__(self, db: Database, clock: Clock, listing: TicketListing) -> None:
        self._db = db
        self._clock = clock
        self._listing = listing

    # -- search ----------------------------------------------------------------

    def search(self, raw: str, region: str | None = None) -> SearchResult:
        """Customers and customer users matching ``raw``: at least two letters or
        digits; ``*`` is a wildcard; ``**`` alone lists every customer."""
        q = (raw or "").strip()
        with self._db.session() as session:
            if q == "**":
                customers = list(session.scalars(select(Customer)
                                                  .order_by(Customer.name, Customer.id)
                                                  .limit(SEARCH_LIMIT)))
                return SearchResult(customers, [], True)
            if sum(c.isalnum() for c in q) < 2:
                raise ValidationError({"q": SEARCH_RULE})
            e164 = None if "*" in q else caller_e164(q, region)
            if e164 is not None:
                users = list(session.scalars(
                    select(CustomerUser).join(CustomerUserPhone)
                    .where(CustomerUserPhone.e164 == e164, CustomerUser.location_id.is_(None))
                    .order_by(CustomerUser.name, CustomerUser.id).limit(SEARCH_LIMIT)))
                ids = {u.customer_id for u in users}
                customers = list(session.scalars(select(Customer).where(Customer.id.in_(ids))
                                                 .order_by(Customer.name))) if ids else []
                return SearchResult(customers, users, False)
            customers = list(session.scalars(
                select(Customer).where(_matches(q, Customer.name, Customer.email))
                .order_by(Customer.name, Customer.id).limit(SEARCH_LIMIT)))
            users = list(session.scalars(
                select(CustomerUser)
                .where(_matches(q, CustomerUser.name, CustomerUser.email),
                       CustomerUser.location_id.is_(None))
                .order_by(CustomerUser.name, CustomerUser.id).limit(SEARCH_LIMIT)))
            return SearchResult(customers, users, False)

    # -- widgets ---------------------------------------------------------------

    def counts(self, scope: Scope, agent_id: int, queues: Sequence[str]
               ) -> dict[str, dict[str, int]]:
        """{widget: {filter: count}} for every ticket widget, in one query."""
        conditions = self._conditions()
        mine = Ticket.locked_by_agent_id == agent_id
        in_queues: ColumnElement[bool] = Ticket.queue.in_(list(queues)) if queues else \
            literal(False)
        columns = []
        for widget in TICKET_WIDGETS:
            for name, extra in (("locked", mine), ("queues", in_queues), ("all", None)):
                cond = conditions[widget] if extra is None else conditions[widget] & extra
                columns.append(coalesce(func.sum(case((cond, 1), else_=0)), 0)
                               .cast(Integer).label(f"{widget}_{name}"))
        with self._db.session() as session:
            row = session.execute(select(*columns).where(
                scope.where(), Ticket.state.in_(_NOT_CLOSED))).one()
        values = row._mapping
        return {w: {f: int(values[f"{w}_{f}"]) for f in FILTERS} for w in TICKET_WIDGETS}

    def tickets(self, scope: Scope, widget: str, chosen: str, agent_id: int,
                queues: Sequence[str], limit: int = WIDGET_LIMIT) -> TicketPage:
        """The widget's tickets under the chosen filter (TicketListing's filters)."""
        args: dict[str, Any] = {**scope.args(), **widget_args(widget), "limit": limit}
        if chosen == "locked":
            args["locked_by_agent_id"] = str(agent_id)
        return self._listing.page(args, list(queues) if chosen == "queues" else None)

    def status(self, scope: Scope) -> dict[str, int]:
        """Tickets per state: the sidebar's company status."""
        return self._listing.counts(scope.args())

    def users(self, customer_id: int) -> list[UserLine]:
        """The customer's users (by name) with open and closed ticket counts."""
        closed = Ticket.state.in_(_CLOSED)
        with self._db.session() as session:
            users = list(session.scalars(select(CustomerUser)
                                         .where(CustomerUser.customer_id == customer_id)
                                         .order_by(CustomerUser.name, CustomerUser.id)))
            counts = {uid: (int(o or 0), int(c or 0)) for uid, o, c in session.execute(
                select(Ticket.customer_user_id,
                       func.sum(case((closed, 0), else_=1)),
                       func.sum(case((closed, 1), else_=0)))
                .where(Ticket.customer_id == customer_id,
                       Ticket.customer_user_id.is_not(None))
                .group_by(Ticket.customer_user_id))}
        return [UserLine(u, *counts.get(u.id, (0, 0))) for u in users]

    def _conditions(self) -> dict[str, ColumnElement[bool]]:
        now = from_epoch(self._clock.now())
        return {
            "reminder": reminder_due_at(now),
            "escalated": escalated_at(now),
            "new": Ticket.state == TicketState.NEW.value,
            "open": Ticket.state == TicketState.OPEN.value,
        }


def widget_args(widget: str) -> dict[str, str]:
    """The ticket list's filters that show a widget's tickets."""
    return {"reminder": {"reminder_due": "true"},
            "escalated": {"escalated": "true"},
            "new": {"state": TicketState.NEW.value},
            "open": {"state": TicketState.OPEN.value}}[widget]


def _matches(q: str, *columns: Any) -> ColumnElement[bool]:
    """``*`` is a wildcard over the whole value; without one, any part matches."""
    needle = q.lower()
    if "*" not in needle:
        return or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns))
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = escaped.replace("*", "%")
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))


# -- layout ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The widgets in the agent's order, and those they closed."""

    order: tuple[str, ...]
    closed: frozenset[str]

    @property
    def shown(self) -> tuple[str, ...]:
        return tuple(w for w in self.order if w not in self.closed)


DEFAULT_LAYOUT = Layout(WIDGETS, frozenset())


class DashboardLayouts:
    """Each agent's widget layout, kept server-side."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def of(self, agent_id: int) -> Layout:
        with self._db.session() as session:
            row = session.get(DashboardLayout, agent_id)
            if row is None:
                return DEFAULT_LAYOUT
            return _layout(row.widgets, row.closed)

    def arrange(self, agent_id: int, order: Sequence[str]) -> Layout:
        """Put the widgets named in this order (the drag and drop); unnamed follow."""
        if not order or any(w not in WIDGETS for w in order):
            raise ValidationError({"order": "must name widgets: " + ", ".join(WIDGETS)})
        current = self.of(agent_id)
        return self._save(agent_id, _layout(list(order), current.closed))

    def move(self, agent_id: int, widget: str, step: int) -> Layout:
        """Move a widget one place up (-1) or down (+1) among the shown ones."""
        _check(widget)
        current = self.of(agent_id)
        shown = list(current.shown)
        if widget not in shown:
            return current
        i = shown.index(widget)
        j = max(0, min(len(shown) - 1, i + step))
        shown[i], shown[j] = shown[j], shown[i]
        return self._save(agent_id, _layout(shown + sorted(current.closed), current.closed))

    def close(self, agent_id: int, widget: str) -> Layout:
        _check(widget)
        current = self.of(agent_id)
        return self._save(agent_id, Layout(current.order, current.closed | {widget}))

    def show_all(self, agent_id: int) -> Layout:
        current = self.of(agent_id)
        return self._save(agent_id, Layout(current.order, frozenset()))

    def _save(self, agent_id: int, layout: Layout) -> Layout:
        with self._db.session() as session:
            row = session.get(DashboardLayout, agent_id)
            if row is None:
                row = DashboardLayout(agent_id=agent_id)
                session.add(row)
            row.widgets = list(layout.order)
            row.closed = sorted(layout.closed)
            row.updated_at = from_epoch(self._clock.now())
        return layout


def _check(widget: str) -> None:
    if widget not in WIDGETS:
        raise ValidationError({"widget": "must be one of " + ", ".join(WIDGETS)})


def _layout(order: Sequence[str], closed: Any) -> Layout:
    known = [w for w in dict.fromkeys(order) if w in WIDGETS]
    known += [w for w in WIDGETS if w not in known]
    return Layout(tuple(known), frozenset(w for w in (closed or ()) if w in WIDGETS))


def scope_of(values: Mapping[str, Any]) -> Scope:
    return Scope(values.get("customer_id"), values.get("customer_user_id"))
