"""Account-wide settings that admins change in the console and bookings read.

``AccountSettingsStore(db).current()`` gives every setting with its default
filled in, so readers never deal with a missing row.  The account's default
language lives in the same table but belongs to ``NumberDirectory`` (which
caches it for every call); ``save`` changes both from the settings page.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import select

from ringback.clock import Clock
from ringback.errors import ValidationError
from ringback.numbers.directory import (
    DEFAULT_LANGUAGE_KEY,
    NumberDirectory,
    check_default_language,
)
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
        new = self._checked(changes)
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

    def save(self, changes: dict[str, Any], numbers: NumberDirectory) -> dict[str, Any]:
        """The settings page: booking settings and ``default_language`` (a shipped
        language, or "" for the environment's) together; the {name: new value} that changed.

        Everything is checked before anything is stored, so one bad field
        stores nothing (``ValidationError`` names every bad field).
        """
        booking = {k: v for k, v in changes.items() if k != DEFAULT_LANGUAGE_KEY}
        errors: dict[str, str] = {}
        language: str | None = None
        try:
            language = check_default_language(changes.get(DEFAULT_LANGUAGE_KEY))
        except ValidationError as exc:
            errors.update(exc.errors)
        try:
            self._checked(booking)
        except ValidationError as exc:
            errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        _, changed = self.update(booking)
        if DEFAULT_LANGUAGE_KEY in changes and numbers.set_default_language(language):
            changed[DEFAULT_LANGUAGE_KEY] = language
        return changed

    def _checked(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The booking settings' new values; ``ValidationError`` naming every bad field."""
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
        return new
