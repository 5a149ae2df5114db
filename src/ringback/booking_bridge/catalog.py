"""The booking catalog: locations, services, resources and their hours.

``BookingCatalog`` creates, reads, changes and deletes what can be booked and
where.  Input is checked by ``ringback.booking_bridge.validation`` (one
ValidationError naming every bad field); an id that names no row is a
NotFound (also one past an SQL INTEGER, such as 2**31), and a change that
would lose stored bookings is a Conflict.  Records come back detached with
their child rows loaded (the session factory keeps them after commit).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringback.booking_bridge import validation as v
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.parsing import row_id
from ringback.store.bookings import (
    Booking,
    BookingPart,
    HoursKind,
    Location,
    Resource,
    ResourceException,
    ResourceHours,
    Service,
    ServiceKind,
    ServiceLocation,
    ServicePart,
)
from ringback.store.customers import CustomerUser
from ringback.store.db import Database

FEED_TOKEN_BYTES = 32


class ServiceScope:
    """Which services a listing shows: global ones, local ones, or both (None)."""

    GLOBAL = "global"
    LOCAL = "local"
    ALL = (GLOBAL, LOCAL)


class BookingCatalog:
    """CRUD of locations, services, resources, weekly hours and exceptions."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- locations -------------------------------------------------------------------

    def create_location(self, payload: Mapping[str, Any]) -> Location:
        fields = v.location_fields(payload, partial=False)
        with self._writing() as session:
            _name_free(session, fields["name"], None)
            location = Location(**fields)
            session.add(location)
            session.flush()
            return location

    def get_location(self, location_id: object) -> Location:
        with self._db.session() as session:
            return _location(session, location_id)

    def locations(self) -> list[Location]:
        """Every location, by name."""
        with self._db.session() as session:
            return list(session.scalars(select(Location).order_by(Location.name, Location.id)))

    def update_location(self, location_id: object, payload: Mapping[str, Any]) -> Location:
        fields = v.location_fields(payload, partial=True)
        with self._writing() as session:
            location = _location(session, location_id)
            if "name" in fields:
                _name_free(session, fields["name"], location.id)
            for name, value in fields.items():
                setattr(location, name, value)
            session.flush()
            return location

    def delete_location(self, location_id: object) -> None:
        """Remove a location with its resources and local services; one that has
        bookings or location-only customers is a Conflict (they would be lost)."""
        with self._writing() as session:
            location = _location(session, location_id)
            bookings = _count(session, Booking.id, Booking.location_id == location.id)
            if bookings:
                raise Conflict(f"this location has {bookings} booking(s); it cannot be "
                               "deleted while they are stored")
            customers = _count(session, CustomerUser.id, CustomerUser.location_id == location.id)
            if customers:
                raise Conflict(f"this location has {customers} location-only customer(s); "
                               "delete them first")
            session.delete(location)

    # -- services ----------------------------------------------------------------------

    def create_service(self, payload: Mapping[str, Any]) -> Service:
        """A single service (duration) or a combined one (parts in order), global or
        local to ``location_id``; ``location_ids`` are the locations that offer it
        (a local service: its own location, the default)."""
        fields = v.service_fields(payload, kind=None)
        with self._writing() as session:
            local = fields["location_id"]
            if local is not None:
                _existing_location(session, "location_id", local)
            offered = fields.pop("location_ids", [local] if local is not None else [])
            _check_offered(session, offered, local)
            parts = fields.pop("parts", None)
            if parts is not None:
                fields["duration_minutes"] = _check_parts(session, parts, local)
                fields["parts"] = [ServicePart(position=i, part_id=p)
                                   for i, p in enumerate(parts)]
            service = Service(**fields,
                              offered_at=[ServiceLocation(location_id=i) for i in offered])
            session.add(service)
            session.flush()
            session.refresh(service)
            return service

    def get_service(self, service_id: object) -> Service:
        with self._db.session() as session:
            return _service(session, service_id)

    def services(self, *, location_id: int | None = None,
                 scope: str | None = None) -> list[Service]:
        """Services by name: those ``location_id`` offers, only global or local ones."""
        query = select(Service)
        if location_id is not None:
            query = query.where(Service.id.in_(select(ServiceLocation.service_id).where(
                ServiceLocation.location_id == location_id)))
        if scope == ServiceScope.GLOBAL:
            query = query.where(Service.location_id.is_(None))
        elif scope == ServiceScope.LOCAL:
            query = query.where(Service.location_id.is_not(None))
        with self._db.session() as session:
            return list(session.scalars(query.order_by(Service.name, Service.id)))

    def update_service(self, service_id: object, payload: Mapping[str, Any]) -> Service:
        """Change the fields given (kind and location_id stay); a single service's new
        duration changes the combined services made of it."""
        with self._writing() as session:
            service = _service(session, service_id)
            fields = v.service_fields(payload, kind=service.kind)
            if "location_ids" in fields:
                offered = fields.pop("location_ids")
                _check_offered(session, offered, service.location_id)
                kept = {row.location_id: row for row in service.offered_at}
                service.offered_at = [kept.get(i) or ServiceLocation(location_id=i)
                                      for i in offered]
            if "parts" in fields:
                parts = fields.pop("parts")
                service.duration_minutes = _check_parts(session, parts, service.location_id)
                rows = {row.position: row for row in service.parts}
                for position, part_id in enumerate(parts):
                    row = rows.pop(position, None) or ServicePart(position=position)
                    row.part_id = part_id
                    if row not in service.parts:
                        service.parts.append(row)
                for row in rows.values():
                    service.parts.remove(row)
            for name, value in fields.items():
                setattr(service, name, value)
            session.flush()
            if "duration_minutes" in fields and service.kind == ServiceKind.SINGLE.value:
                _resum_combined(session, service.id)
            session.refresh(service)
            return service

    def delete_service(self, service_id: object) -> None:
        """Remove a service nobody booked and no combined service is made of."""
        with self._writing() as session:
            service = _service(session, service_id)
            booked = _count(session, Booking.id, or_(Booking.service_id == service.id,
                                         Booking.id.in_(select(BookingPart.booking_id).where(
                                             BookingPart.service_id == service.id))))
            if booked:
                raise Conflict(f"this service has {booked} booking(s); it cannot be deleted "
                               "while they are stored")
            used = session.scalars(select(ServicePart.service_id)
                                   .where(ServicePart.part_id == service.id)).all()
            if used:
                raise Conflict("this service is a part of the combined service(s) "
                               f"{', '.join(map(str, sorted(set(used))))}; change them first")
            session.delete(service)

    # -- resources ---------------------------------------------------------------------

    def create_resource(self, payload: Mapping[str, Any]) -> Resource:
        """A member of staff or a room at one location, with a new calendar feed token."""
        fields = v.resource_fields(payload, partial=False)
        with self._writing() as session:
            _existing_location(session, "location_id", fields["location_id"])
            resource = Resource(**fields, feed_token=new_feed_token(), bookings_version=0)
            session.add(resource)
            session.flush()
            session.refresh(resource)
            return resource

    def get_resource(self, resource_id: object) -> Resource:
        with self._db.session() as session:
            return _resource(session, resource_id)

    def resources(self, *, location_id: int | None = None) -> list[Resource]:
        """Resources by location and name; only one location's when it is named."""
        query = select(Resource)
        if location_id is not None:
            query = query.where(Resource.location_id == location_id)
        with self._db.session() as session:
            return list(session.scalars(query.order_by(Resource.location_id, Resource.name,
                                                       Resource.id)))

    def resource_by_feed_token(self, token: str) -> Resource | None:
        """The resource whose calendar feed this token opens, or None."""
        if not isinstance(token, str) or not 0 < len(token) <= 64:
            return None
        with self._db.session() as session:
            found = session.scalar(select(Resource).where(Resource.feed_token == token))
        if found is None or not secrets.compare_digest(found.feed_token, token):
            return None
        return found

    def update_resource(self, resource_id: object, payload: Mapping[str, Any]) -> Resource:
        fields = v.resource_fields(payload, partial=True)
        with self._writing() as session:
            resource = _resource(session, resource_id)
            for name, value in fields.items():
                setattr(resource, name, value)
            session.flush()
            return resource

    def renew_feed_token(self, resource_id: object) -> Resource:
        """A new secret for the resource's calendar feed; the old URL stops working."""
        with self._writing() as session:
            resource = _resource(session, resource_id)
            resource.feed_token = new_feed_token()
            session.flush()
            return resource

    def delete_resource(self, resource_id: object) -> None:
        """Remove a resource that no booking ever took."""
        with self._writing() as session:
            resource = _resource(session, resource_id)
            parts = _count(session, BookingPart.id, BookingPart.resource_id == resource.id)
            if parts:
                raise Conflict(f"this resource is taken by {parts} booking part(s); it cannot "
                               "be deleted while they are stored")
            session.delete(resource)

    # -- hours and exceptions ---------------------------------------------------------

    def hours(self, resource_id: object, kind: HoursKind) -> list[ResourceHours]:
        """One kind of the resource's weekly hours, by weekday and start."""
        return [row for row in self.get_resource(resource_id).hours if row.kind == kind.value]

    def set_hours(self, resource_id: object, kind: HoursKind, spans: object
                  ) -> list[ResourceHours]:
        """Replace the whole week of one kind: ``[{"weekday", "start", "end"}]``."""
        week = v.week_spans(spans)
        with self._writing() as session:
            resource = _resource(session, resource_id)
            session.execute(delete(ResourceHours).where(
                ResourceHours.resource_id == resource.id, ResourceHours.kind == kind.value))
            rows = [ResourceHours(resource_id=resource.id, kind=kind.value, weekday=day,
                                  start_minute=start, end_minute=end)
                    for day, start, end in week]
            session.add_all(rows)
            session.flush()
            return rows

    def add_exception(self, resource_id: object, payload: Mapping[str, Any]
                      ) -> ResourceException:
        """A closed day (or span of it) or extra hours on one date."""
        fields = v.exception_fields(payload)
        with self._writing() as session:
            resource = _resource(session, resource_id)
            row = ResourceException(resource_id=resource.id, **fields)
            session.add(row)
            session.flush()
            return row

    def exceptions(self, resource_id: object) -> list[ResourceException]:
        return list(self.get_resource(resource_id).exceptions)

    def remove_exception(self, resource_id: object, exception_id: object) -> None:
        with self._writing() as session:
            resource = _resource(session, resource_id)
            key = row_id(exception_id)
            row = session.get(ResourceException, key) if key is not None else None
            if row is None or row.resource_id != resource.id:
                raise NotFound("exception", exception_id)
            session.delete(row)

    # -- plumbing ----------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A unit of work whose clash with a concurrent one (another request deleting
        the location meanwhile, or booking the resource) is a Conflict, not a crash."""
        try:
            with self._db.session() as session:
                yield session
        except IntegrityError:
            raise Conflict("this record changed at the same moment in another request; "
                           "read it again and repeat the change") from None


def new_feed_token() -> str:
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)


def _count(session: Session, column: Any, condition: Any) -> int:
    """How many rows of ``column``'s table meet ``condition``."""
    return session.scalar(select(func.count(column)).where(condition)) or 0


def _get(session: Session, model: Any, what: str, ident: object) -> Any:
    """The row, or NotFound (also for an id no row can have, such as 2**31)."""
    key = row_id(ident)
    found = session.get(model, key) if key is not None else None
    if found is None:
        raise NotFound(what, ident)
    return found


def _location(session: Session, ident: object) -> Location:
    return _get(session, Location, "location", ident)  # type: ignore[no-any-return]


def _service(session: Session, ident: object) -> Service:
    return _get(session, Service, "service", ident)  # type: ignore[no-any-return]


def _resource(session: Session, ident: object) -> Resource:
    return _get(session, Resource, "resource", ident)  # type: ignore[no-any-return]


def _existing_location(session: Session, field: str, location_id: int) -> None:
    """A location named in a body must exist; naming an unknown one is bad input."""
    if session.get(Location, location_id) is None:
        raise ValidationError({field: f"names no location (there is no location "
                                      f"{location_id})"})


def _name_free(session: Session, name: str, own_id: int | None) -> None:
    taken = session.scalar(select(Location.id).where(Location.name == name))
    if taken is not None and taken != own_id:
        raise ValidationError({"name": "is the name of another location; pick another"})


def _check_offered(session: Session, offered: Sequence[int], local: int | None) -> None:
    errors: dict[str, str] = {}
    known = set(session.scalars(select(Location.id).where(Location.id.in_(offered))))
    for index, location_id in enumerate(offered):
        if location_id not in known:
            errors[f"location_ids[{index}]"] = f"names no location (there is no location " \
                                               f"{location_id})"
        elif local is not None and location_id != local:
            errors[f"location_ids[{index}]"] = ("a local service is offered only at its own "
                                                f"location ({local})")
    v.raise_if(errors)


def _check_parts(session: Session, parts: Sequence[int], local: int | None) -> int:
    """The combined duration of ``parts``: each an existing single service, global or
    local to the combined service's own location."""
    errors: dict[str, str] = {}
    found = {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(parts)))}
    total = 0
    for index, part_id in enumerate(parts):
        field = f"parts[{index}]"
        part = found.get(part_id)
        if part is None:
            errors[field] = f"names no service (there is no service {part_id})"
        elif part.kind != ServiceKind.SINGLE.value:
            errors[field] = "must be a single service (a combined one cannot be a part)"
        elif part.location_id is not None and part.location_id != local:
            errors[field] = ("is local to another location; a part must be global or local "
                             "to the combined service's location")
        else:
            total += part.duration_minutes
    v.raise_if(errors)
    return total


def _resum_combined(session: Session, part_id: int) -> None:
    """Each combined service made of ``part_id`` lasts its parts' new sum."""
    combined = session.scalars(select(Service).where(Service.id.in_(
        select(ServicePart.service_id).where(ServicePart.part_id == part_id)))).all()
    for service in combined:
        durations = session.execute(
            select(ServicePart.part_id, Service.duration_minutes)
            .join(Service, Service.id == ServicePart.part_id)
            .where(ServicePart.service_id == service.id)).all()
        service.duration_minutes = sum(minutes for _, minutes in durations)
    session.flush()
