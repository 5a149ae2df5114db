"""Account-wide settings that admins change in the console and bookings read.

``AccountSettingsStore(db).current()`` gives every setting with its default
filled in, so readers never deal with a missing row.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import select

from ringback.clock import Clock
from ringback.errors import ValidationError
from ringback.store.console import AccountSetting, from_epoch
from ringback.store.db import Database


class ResourceAvailability(str, enum.Enum):
    """Which hours decide when a resource can be booked."""

    ONLINE_BOOKING_HOURS = "online_booking_hours"
    WORKING_HOURS = "working_hours"


@dataclass(frozen=True)
class AccountSettings:
    """Defaults: several slots per booking, and the online booking hours."""

    multiple_slot_selection: bool = True
    resource_availability: ResourceAvailability = ResourceAvailability.ONLINE_BOOKING_HOURS

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["resource_availability"] = self.resource_availability.value
        return data


class AccountSettingsStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def current(self) -> AccountSettings:
        with self._db.session() as session:
            stored = {row.key: row.value for row in session.scalars(select(AccountSetting))}
        values: dict[str, Any] = {}
        if isinstance(stored.get("multiple_slot_selection"), bool):
            values["multiple_slot_selection"] = stored["multiple_slot_selection"]
        if stored.get("resource_availability") in {r.value for r in ResourceAvailability}:
            values["resource_availability"] = ResourceAvailability(
                stored["resource_availability"]
            )
        return AccountSettings(**values)

    def update(self, changes: dict[str, Any]) -> tuple[AccountSettings, dict[str, Any]]:
        """Apply valid changes; the new settings and the {name: new value} that changed."""
        errors: dict[str, str] = {}
        known = {f.name for f in fields(AccountSettings)}
        for name in set(changes) - known:
            errors[name] = "is not an account setting"
        new: dict[str, Any] = {}
        if "multiple_slot_selection" in changes:
            value = changes["multiple_slot_selection"]
            if not isinstance(value, bool):
                errors["multiple_slot_selection"] = "must be true or false"
            new["multiple_slot_selection"] = value
        if "resource_availability" in changes:
            value = changes["resource_availability"]
            allowed = [r.value for r in ResourceAvailability]
            if value not in allowed:
                errors["resource_availability"] = "must be one of " + ", ".join(allowed)
            else:
                new["resource_availability"] = ResourceAvailability(value)
        if errors:
            raise ValidationError(errors)
        before = self.current()
        after = replace(before, **new)
        changed = {
            k: v for k, v in after.to_json().items() if before.to_json()[k] != v
        }
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            for key, value in changed.items():
                row = session.get(AccountSetting, key)
                if row is None:
                    session.add(AccountSetting(key=key, value=value, updated_at=now))
                else:
                    row.value = value
                    row.updated_at = now
        return after, changed
