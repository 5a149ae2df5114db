"""The customer directory: customers, their people, and who is calling.

``find_by_phone`` is what the screen pop asks on every call: the caller's
number is brought to E.164 once and found with one indexed equality query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringback.customers.phones import PhoneNumberRefused, caller_e164, check_region
from ringback.customers.validation import customer_fields, user_fields
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import MAX_ROW_ID, row_id, whole_number
from ringback.store.bookings import Location
from ringback.store.customers import Customer, CustomerUser, CustomerUserPhone
from ringback.store.db import Database

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class CustomerUserMatch:
    """A customer user whose number is the caller's, with their customer."""

    user_id: int
    name: str
    email: str | None
    customer_id: int
    customer_name: str
    e164: str


@dataclass(frozen=True)
class Page:
    """One page of a listing and the number of matches in all."""

    items: Sequence[Any]
    total: int
    limit: int
    offset: int


class CustomerDirectory:
    """Create, read, change, delete and search customers and customer users."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- who is calling ------------------------------------------------------

    def find_by_phone(self, raw: str, region: str | None = None, *,
                      location_id: int | None = None) -> list[CustomerUserMatch]:
        """Every customer user with this number (a family line has several), by name.

        ``region`` reads a number written without its country code; without
        one such a number matches nobody.  Location-only customers (created inside
        one location) never match, unless ``location_id`` names their location.
        """
        e164 = caller_e164(raw, region)
        if e164 is None:
            return []
        # Two indexed reads rather than one join: right after a bulk import,
        # before PostgreSQL has statistics, it planned the join as a scan of
        # every customer user (8.8 ms median at 100,000 users instead of 1).
        with self._db.session() as session:
            ids = session.scalars(select(CustomerUserPhone.customer_user_id)
                                  .where(CustomerUserPhone.e164 == e164)).all()
            if not ids:
                return []
            rows = session.execute(
                select(CustomerUser.id, CustomerUser.name, CustomerUser.email,
                       Customer.id, Customer.name)
                .join(Customer, Customer.id == CustomerUser.customer_id)
                .where(CustomerUser.id.in_(ids), visible_at(location_id))
                .order_by(CustomerUser.name, CustomerUser.id))
            return [CustomerUserMatch(uid, name, email, cid, cname, e164)
                    for uid, name, email, cid, cname in rows]

    # -- customers -------------------------------------------------------------

    def create_customer(self, payload: Mapping[str, Any]) -> Customer:
        fields = customer_fields(payload, partial=False)
        with self._writing() as session:
            customer = Customer(**fields)
            session.add(customer)
            session.flush()
            return customer

    def get_customer(self, customer_id: int) -> Customer:
        with self._db.session() as session:
            return _customer(session, customer_id)

    def update_customer(self, customer_id: int, payload: Mapping[str, Any]) -> Customer:
        fields = customer_fields(payload, partial=True)
        with self._writing() as session:
            customer = _customer(session, customer_id)
            for name, value in fields.items():
                setattr(customer, name, value)
            session.flush()
            return customer

    def delete_customer(self, customer_id: int) -> None:
        """Remove a customer that has no users left; one with users is a Conflict."""
        with self._writing() as session:
            customer = _customer(session, customer_id)
            users = session.scalar(select(func.count(CustomerUser.id))
                                   .where(CustomerUser.customer_id == customer_id)) or 0
            if users:
                raise Conflict(f"this customer still has {users} customer user(s); "
                               "delete them or move them to another customer first")
            session.delete(customer)

    def list_customers(self, args: Mapping[str, Any]) -> Page:
        """Customers by name; ``q`` matches name, e-mail or a user's phone number.

        A customer whose users are all location-only is left out, unless
        ``location_id`` names the location of one of them.
        """
        limit, offset, q, region = _paging(args)
        location_id = _location_filter(args)
        hidden = select(CustomerUser.customer_id).where(~visible_at(location_id))
        shown = select(CustomerUser.customer_id).where(visible_at(location_id))
        query = select(Customer).where(or_(Customer.id.not_in(hidden), Customer.id.in_(shown)))
        if q:
            e164 = caller_e164(q, region)
            if e164 is not None:
                query = query.where(Customer.id.in_(
                    select(CustomerUser.customer_id)
                    .join(CustomerUserPhone,
                          CustomerUserPhone.customer_user_id == CustomerUser.id)
                    .where(CustomerUserPhone.e164 == e164)))
            else:
                query = query.where(_text_match(q, Customer.name, Customer.email))
        return self._page(query, (Customer.name, Customer.id), limit, offset)

    # -- customer users ----------------------------------------------------------

    def create_user(self, payload: Mapping[str, Any]) -> CustomerUser:
        """A customer user; ``location_id`` makes them location-only (never shown in
        the call centre)."""
        fields = user_fields(payload, partial=False)
        with self._writing() as session:
            _owner(session, fields["customer_id"])
            _location(session, fields.get("location_id"))
            return self._add_user(session, fields)

    def create_user_with_household(self, payload: Mapping[str, Any]) -> CustomerUser:
        """A person who books for themselves (the booking bridge): a customer user and,
        in the same unit of work, a customer (household) of the same name."""
        fields = user_fields({**payload, "customer_id": 1}, partial=False)
        with self._writing() as session:
            household = Customer(name=fields["name"], email=fields.get("email"))
            session.add(household)
            session.flush()
            return self._add_user(session, {**fields, "customer_id": household.id})

    def get_user(self, user_id: int) -> CustomerUser:
        with self._db.session() as session:
            return _user(session, user_id)

    def user_names(self, user_ids: Iterable[int]) -> dict[int, str]:
        """The names of these customer users, in one query (lists show many at once)."""
        wanted = {i for i in user_ids if row_id(i) is not None}
        if not wanted:
            return {}
        with self._db.session() as session:
            rows = session.execute(select(CustomerUser.id, CustomerUser.name)
                                   .where(CustomerUser.id.in_(wanted)))
            return {user_id: name for user_id, name in rows}

    def update_user(self, user_id: int, payload: Mapping[str, Any]) -> CustomerUser:
        """Change the fields given; ``phones`` replaces the user's whole list."""
        fields = user_fields(payload, partial=True)
        with self._writing() as session:
            user = _user(session, user_id)
            if "customer_id" in fields:
                _owner(session, fields["customer_id"])
            _location(session, fields.get("location_id"))
            phones = fields.pop("phones", None)
            for name, value in fields.items():
                setattr(user, name, value)
            if phones is not None:
                kept = {p.e164: p for p in user.phones}
                user.phones = [kept.get(e164) or CustomerUserPhone(e164=e164)
                               for e164 in phones]
            session.flush()
            session.refresh(user)
            return user

    def delete_user(self, user_id: int) -> None:
        with self._writing() as session:
            session.delete(_user(session, user_id))

    def list_users(self, args: Mapping[str, Any]) -> Page:
        """Customer users by name; ``q`` matches name, e-mail or phone, in any format.

        Location-only users are left out, unless ``location_id`` names their
        location (then that location's own users are listed with the global ones).
        """
        limit, offset, q, region = _paging(args)
        query = select(CustomerUser).where(visible_at(_location_filter(args)))
        customer_id = args.get("customer_id")
        if customer_id not in (None, ""):
            errors: dict[str, str] = {}
            wanted = whole_number(errors, "customer_id", customer_id, default=0,
                                  minimum=1, maximum=2**31 - 1)
            if errors:
                raise ValidationError(errors)
            query = query.where(CustomerUser.customer_id == wanted)
        if q:
            e164 = caller_e164(q, region)
            if e164 is not None:
                query = query.where(CustomerUser.id.in_(
                    select(CustomerUserPhone.customer_user_id)
                    .where(CustomerUserPhone.e164 == e164)))
            else:
                query = query.where(_text_match(q, CustomerUser.name, CustomerUser.email))
        return self._page(query, (CustomerUser.name, CustomerUser.id), limit, offset)

    @staticmethod
    def add_users(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert checked users in the caller's unit of work (the CSV import)."""
        session.add_all(
            CustomerUser(**{k: v for k, v in fields.items() if k != "phones"},
                         phones=[CustomerUserPhone(e164=e) for e in fields["phones"]])
            for fields in rows)
        session.flush()

    @staticmethod
    def _add_user(session: Session, fields: Mapping[str, Any]) -> CustomerUser:
        values = dict(fields)
        phones = values.pop("phones", [])
        user = CustomerUser(**values, phones=[CustomerUserPhone(e164=e) for e in phones])
        session.add(user)
        session.flush()
        session.refresh(user)
        return user

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A unit of work whose clash with a concurrent one (another process
        adding the same number, deleting the customer) is a Conflict, not a crash."""
        try:
            with self._db.session() as session:
                yield session
        except IntegrityError:
            raise Conflict("this record changed at the same moment in another request; "
                           "read it again and repeat the change") from None

    def _page(self, query: Select[Any], order: tuple[Any, ...], limit: int,
              offset: int) -> Page:
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            items = session.scalars(query.order_by(*order).limit(limit).offset(offset)).all()
            return Page(items, total, limit, offset)


def _paging(args: Mapping[str, Any]) -> tuple[int, int, str, str | None]:
    errors: dict[str, str] = {}
    limit = whole_number(errors, "limit", args.get("limit"), default=DEFAULT_LIMIT,
                         minimum=1, maximum=MAX_LIMIT)
    offset = whole_number(errors, "offset", args.get("offset"), default=0,
                          minimum=0, maximum=2**31 - 1)
    region = None
    try:
        region = check_region(args.get("region"))
    except PhoneNumberRefused as refused:
        errors["region"] = str(refused)
    if errors:
        raise ValidationError(errors)
    return limit, offset, str(args.get("q") or "").strip(), region


def visible_at(location_id: int | None) -> ColumnElement[bool]:
    """Customer users shown at ``location_id``: the global ones and that location's
    own; without a location (the call centre), the global ones only."""
    if location_id is None:
        return CustomerUser.location_id.is_(None)
    return or_(CustomerUser.location_id.is_(None), CustomerUser.location_id == location_id)


def _location_filter(args: Mapping[str, Any]) -> int | None:
    raw = args.get("location_id")
    if raw in (None, ""):
        return None
    errors: dict[str, str] = {}
    wanted = whole_number(errors, "location_id", raw, default=0, minimum=1, maximum=MAX_ROW_ID)
    if errors:
        raise ValidationError(errors)
    return wanted


def _text_match(q: str, *columns: Any) -> ColumnElement[bool]:
    needle = q.lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


def _customer(session: Session, customer_id: int) -> Customer:
    """The customer, or NotFound (also for an id no row can have, such as 2**31)."""
    key = row_id(customer_id)
    customer = session.get(Customer, key) if key is not None else None
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def _owner(session: Session, customer_id: int) -> None:
    """A user's customer must exist; naming an unknown one is bad input, not a 404."""
    if session.get(Customer, customer_id) is None:
        raise ValidationError({"customer_id": f"names no customer (there is no customer "
                                              f"{customer_id})"})


def _location(session: Session, location_id: int | None) -> None:
    """A location-only user's location must exist; an unknown one is bad input."""
    if location_id is not None and session.get(Location, location_id) is None:
        raise ValidationError({"location_id": f"names no location (there is no location "
                                              f"{location_id})"})


def _user(session: Session, user_id: int) -> CustomerUser:
    """The customer user, or NotFound (also for an id no row can have, such as 2**31)."""
    key = row_id(user_id)
    user = session.get(CustomerUser, key) if key is not None else None
    if user is None:
        raise NotFound("customer user", user_id)
    return user
