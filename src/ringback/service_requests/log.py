"""The request log: save a contact at once, add its details, complete it, change its type.

``save`` writes the row before anything else is asked, so a dropped call
still leaves a logged contact. ``complete`` checks the sections the type
needs (``rules.REQUIRED``) and then does what the type means: an
information request counts the use of its articles, an action request
creates a work order from its problem code's template, or links to an open
one already reported for the same problem near the same place. The request
and its work order are written in one transaction.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ringback.clock import Clock
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import row_id
from ringback.service_requests.rules import detail_fields, missing_sections, new_fields
from ringback.store.console import from_epoch
from ringback.store.customers import CustomerUser
from ringback.store.db import Database
from ringback.store.service_requests import (
    RequestType,
    ServiceRequest,
    ServiceRequestArticle,
    ServiceRequestHistory,
)
from ringback.work_orders import Location

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Articles(Protocol):
    def get(self, article_id: int) -> Any: ...

    def record_use(self, article_ids: Sequence[int], session: Session | None = None) -> None: ...


class Codes(Protocol):
    def get(self, code_id: int) -> Any: ...


class Orders(Protocol):
    def create(self, problem_code_id: int, location: Location, by_agent_id: int | None,
               session: Session | None = None) -> Any: ...

    def open_near(self, problem_code_id: int, location: Location) -> Sequence[Any]: ...

    def get(self, work_order_id: int) -> Any: ...


@dataclass(frozen=True)
class HistoryRow:
    event: str
    old: str
    new: str
    agent_id: int | None
    at: datetime


@dataclass(frozen=True)
class RequestView:
    """A request with the articles it used and its history."""

    request: ServiceRequest
    article_ids: list[int]
    history: list[HistoryRow]


@dataclass(frozen=True)
class RequestPage:
    items: Sequence[ServiceRequest]
    total: int
    limit: int
    offset: int


class AlreadyReported(Conflict):
    """Open work orders exist for this problem near this place; link or say "new"."""

    def __init__(self, work_orders: Sequence[Any]) -> None:
        self.work_orders = list(work_orders)
        numbers = ", ".join(str(getattr(w, "number", w.id)) for w in self.work_orders)
        super().__init__(f"this problem was already reported nearby (work order {numbers}): "
                         "link the request to it with work_order_id, or create a new one "
                         "with new_work_order true")


class RequestLog:
    """Save, complete, convert and list call-centre requests."""

    def __init__(self, db: Database, clock: Clock, *, articles: Articles, codes: Codes,
                 work_orders: Orders) -> None:
        self._db = db
        self._clock = clock
        self._articles = articles
        self._codes = codes
        self._work_orders = work_orders

    # -- writing ---------------------------------------------------------------

    def save(self, payload: Mapping[str, Any], by_agent_id: int | None) -> RequestView:
        """Log a new contact; only its type and channel are needed."""
        fields = new_fields(payload)
        now = self._now()
        with self._db.session() as session:
            self._check_customer_user(session, fields.get("customer_user_id"))
            row = ServiceRequest(type=fields["type"].value, channel=fields["channel"].value,
                                 complete=False, agent_id=by_agent_id,
                                 customer_user_id=fields.get("customer_user_id"),
                                 caller_number=fields.get("caller_number"),
                                 description=fields["description"],
                                 call_ref=fields.get("call_ref"),
                                 queue_id=fields.get("queue_id"), address="",
                                 created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            self._history(session, row.id, "logged", "", row.type, by_agent_id)
        return self.get(row.id)

    def update(self, request_id: int, payload: Mapping[str, Any],
               by_agent_id: int | None) -> RequestView:
        """Save the details given, without checking what completing needs."""
        fields = detail_fields(payload)
        with self._db.session() as session:
            row = self._row(session, request_id)
            self._apply(session, row, fields, by_agent_id)
        return self.get(request_id)

    def complete(self, request_id: int, payload: Mapping[str, Any],
                 by_agent_id: int | None) -> RequestView:
        """Save the details given and complete the request (422 naming what is missing).

        An action request gets its work order here: ``work_order_id`` links to
        an open one, ``new_work_order`` creates one even though others are
        open nearby; with neither, an open one nearby is AlreadyReported (409).
        """
        fields = detail_fields(payload, completing=True)
        with self._db.session() as session:
            row = self._row(session, request_id)
            self._apply(session, row, fields, by_agent_id)
            kind = RequestType(row.type)
            used = self._article_ids(session, row.id)
            missing = missing_sections(kind, {
                "article_ids": used, "problem_code_id": row.problem_code_id,
                "address": row.address, "description": row.description})
            if missing:
                raise ValidationError(missing)
            if kind is RequestType.ACTION and row.work_order_id is None:
                self._give_work_order(session, row, fields, by_agent_id)
            if not row.complete:
                row.complete = True
                self._history(session, row.id, "completed", "", row.type, by_agent_id)
            row.updated_at = self._now()
        return self.get(request_id)

    def convert(self, request_id: int, to: object, by_agent_id: int | None) -> RequestView:
        """Turn an information request into an action request; the contact stays one record."""
        if to != RequestType.ACTION.value:
            raise ValidationError({"to": "must be action: an information request can become "
                                         "an action request"})
        with self._db.session() as session:
            row = self._row(session, request_id)
            if row.type != RequestType.INFORMATION.value:
                raise Conflict(f"only an information request can become an action request; "
                               f"this one is a {row.type} request")
            row.type = RequestType.ACTION.value
            row.complete = False  # an action request needs its own sections
            row.updated_at = self._now()
            self._history(session, row.id, "type", RequestType.INFORMATION.value,
                          RequestType.ACTION.value, by_agent_id)
        return self.get(request_id)

    # -- reading ---------------------------------------------------------------

    def get(self, request_id: int) -> RequestView:
        with self._db.session() as session:
            row = self._row(session, request_id)
            history = [HistoryRow(h.event, h.old, h.new, h.agent_id, h.at) for h in
                       session.scalars(select(ServiceRequestHistory)
                                       .where(ServiceRequestHistory.request_id == request_id)
                                       .order_by(ServiceRequestHistory.id))]
            return RequestView(row, self._article_ids(session, request_id), history)

    def already_reported(self, request_id: int) -> builtins.list[Any]:
        """Open work orders for this request's problem near its place (none without both)."""
        with self._db.session() as session:
            row = self._row(session, request_id)
        return self.open_work_orders_near(row)

    def open_work_orders_near(self, row: ServiceRequest) -> builtins.list[Any]:
        """``already_reported`` for a request already read."""
        if row.problem_code_id is None or not row.address.strip():
            return []
        return list(self._work_orders.open_near(row.problem_code_id, _location(row)))

    def for_work_order(self, work_order_id: int) -> builtins.list[ServiceRequest]:
        with self._db.session() as session:
            return list(session.scalars(select(ServiceRequest)
                                        .where(ServiceRequest.work_order_id == work_order_id)
                                        .order_by(ServiceRequest.id)))

    def list(self, args: Mapping[str, str]) -> RequestPage:
        """Newest first; ``type``, ``customer_user_id``, ``agent_id``, ``limit``, ``offset``."""
        errors: dict[str, str] = {}
        limit = _whole(errors, "limit", args.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _whole(errors, "offset", args.get("offset"), 0, 0, 10**9)
        query = select(ServiceRequest)
        if args.get("type"):
            try:
                query = query.where(ServiceRequest.type == RequestType(args["type"]).value)
            except ValueError:
                errors["type"] = "must be one of information, action, remark"
        for name, column in (("customer_user_id", ServiceRequest.customer_user_id),
                             ("agent_id", ServiceRequest.agent_id),
                             ("work_order_id", ServiceRequest.work_order_id)):
            if args.get(name):
                value = _whole(errors, name, args[name], 0, 1, 2**31 - 1)
                query = query.where(column == value)
        if errors:
            raise ValidationError(errors)
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            items = list(session.scalars(query.order_by(ServiceRequest.created_at.desc(),
                                                        ServiceRequest.id.desc())
                                         .limit(limit).offset(offset)))
        return RequestPage(items, total, limit, offset)

    # -- inside ----------------------------------------------------------------

    def _apply(self, session: Session, row: ServiceRequest, fields: Mapping[str, Any],
               by_agent_id: int | None) -> None:
        errors: dict[str, str] = {}
        before = _snapshot(row)
        articles_before = self._article_ids(session, row.id)
        if "customer_user_id" in fields:
            self._check_customer_user(session, fields["customer_user_id"])
            row.customer_user_id = fields["customer_user_id"]
        if "channel" in fields:
            row.channel = fields["channel"].value
        if "description" in fields:
            row.description = fields["description"]
        if fields.get("problem_code_id") is not None:
            try:
                self._codes.get(fields["problem_code_id"])
            except NotFound:
                errors["problem_code_id"] = "names no problem code; pick one from the tree"
        if "problem_code_id" in fields:
            row.problem_code_id = fields["problem_code_id"]
        if "address" in fields:
            row.address = fields["address"]
        if "latitude" in fields:
            row.latitude, row.longitude = fields["latitude"], fields.get("longitude")
        if "article_ids" in fields:
            self._set_articles(session, row, fields["article_ids"], errors)
        if errors:
            raise ValidationError(errors)
        after = _snapshot(row)
        changed = [name for name in after if after[name] != before[name]]
        if self._article_ids(session, row.id) != articles_before:
            changed.append("article_ids")
        if changed:
            row.updated_at = self._now()
            self._history(session, row.id, "details", "", ", ".join(changed)[:200], by_agent_id)

    def _set_articles(self, session: Session, row: ServiceRequest, ids: Sequence[int],
                      errors: dict[str, str]) -> None:
        for article_id in ids:
            try:
                self._articles.get(article_id)
            except NotFound:
                errors["article_ids"] = f"names no knowledge-base article: {article_id}"
                return
        before: set[int] = set(self._article_ids(session, row.id))
        gone = before - set(ids)
        if gone:
            session.execute(delete(ServiceRequestArticle).where(
                ServiceRequestArticle.request_id == row.id,
                ServiceRequestArticle.article_id.in_(gone)))
        added = [a for a in ids if a not in before]
        for article_id in added:
            session.add(ServiceRequestArticle(request_id=row.id, article_id=article_id))
        if added:
            session.flush()
            self._articles.record_use(added, session=session)

    def _give_work_order(self, session: Session, row: ServiceRequest, fields: Mapping[str, Any],
                         by_agent_id: int | None) -> None:
        assert row.problem_code_id is not None
        chosen = fields.get("work_order_id")
        if chosen is not None:
            open_ones = {w.id: w for w in self._work_orders.open_near(row.problem_code_id,
                                                                      _location(row))}
            if chosen not in open_ones:
                raise ValidationError({"work_order_id": "must name an open work order for the "
                                                        "same problem near the same place"})
            row.work_order_id = chosen
            self._history(session, row.id, "work_order_linked", "",
                          str(getattr(open_ones[chosen], "number", chosen)), by_agent_id)
            return
        if not fields.get("new_work_order"):
            near = self._work_orders.open_near(row.problem_code_id, _location(row))
            if near:
                raise AlreadyReported(near)
        order = self._work_orders.create(row.problem_code_id, _location(row), by_agent_id,
                                         session=session)
        row.work_order_id = order.id
        self._history(session, row.id, "work_order_created", "",
                      str(getattr(order, "number", order.id)), by_agent_id)

    @staticmethod
    def _article_ids(session: Session, request_id: int) -> builtins.list[int]:
        return list(session.scalars(select(ServiceRequestArticle.article_id)
                                    .where(ServiceRequestArticle.request_id == request_id)
                                    .order_by(ServiceRequestArticle.id)))

    @staticmethod
    def _row(session: Session, request_id: int) -> ServiceRequest:
        # An id beyond the column's range names nothing (PostgreSQL would refuse it).
        row = session.get(ServiceRequest, request_id) if row_id(request_id) else None
        if row is None:
            raise NotFound("request", request_id)
        return row

    @staticmethod
    def _check_customer_user(session: Session, user_id: int | None) -> None:
        if user_id is not None and session.get(CustomerUser, user_id) is None:
            raise ValidationError({"customer_user_id": "names no customer user"})

    def _now(self) -> datetime:
        return from_epoch(self._clock.now())

    def _history(self, session: Session, request_id: int, event: str, old: str, new: str,
                 agent_id: int | None) -> None:
        session.add(ServiceRequestHistory(request_id=request_id, event=event, old=old, new=new,
                                          agent_id=agent_id, at=self._now()))


def _snapshot(row: ServiceRequest) -> dict[str, Any]:
    """The detail fields as they are, to tell which ones a save changed."""
    return {name: getattr(row, name) for name in ("description", "customer_user_id", "channel",
                                                   "problem_code_id", "address", "latitude",
                                                   "longitude")}


def _location(row: ServiceRequest) -> Location:
    return Location(row.address, row.latitude, row.longitude)


def _whole(errors: dict[str, str], name: str, raw: str | None, default: int, low: int,
           high: int) -> int:
    if raw is None or raw == "":
        return default
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors[name] = f"must be a whole number from {low} to {high}"
    return default
