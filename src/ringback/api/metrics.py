"""/api/v1/metrics: callback figures per business number and overall.

``GET /metrics?from=<ISO 8601>&to=<ISO 8601>`` (permission ``reports``);
``to`` defaults to now and ``from`` to 24 hours before ``to``.  A time
without an offset is UTC.  See ``ringback.callbacks.metrics`` for what each
figure counts.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import requires
from ringback.callbacks.ticket import iso
from ringback.errors import ValidationError
from ringback.store.models import Permission

DEFAULT_RANGE_SECONDS = 86_400
ISO_RULE = "must be an ISO 8601 date and time such as 2027-01-15T09:00:00Z"
# Python's datetimes hold years 1 to 9999; a day's margin keeps the default
# ``from`` (a day before ``to``) and every offset inside them.
EARLIEST = datetime(1, 1, 3, tzinfo=UTC).timestamp()
LATEST = datetime(9999, 12, 30, tzinfo=UTC).timestamp()
RANGE_RULE = "must be between 0001-01-03 and 9999-12-30"


def register(bp: Blueprint) -> None:
    from ringback.api import services

    @bp.get("/metrics")
    @requires(Permission.REPORTS)
    def metrics() -> ResponseReturnValue:
        s = services()
        start, end = time_range(request.args.get("from"), request.args.get("to"), s.clock.now())
        report = s.callback_metrics().report(start, end)
        return jsonify({
            "from": iso(report.start),
            "to": iso(report.end),
            "overall": asdict(report.overall),
            "numbers": {number: asdict(f) for number, f in report.numbers.items()},
        })


def time_range(raw_from: str | None, raw_to: str | None, now: float) -> tuple[float, float]:
    """``[from, to)`` in epoch seconds, or a ValidationError naming each bad end."""
    errors: dict[str, str] = {}
    end = _parse(errors, "to", raw_to, now)
    start = _parse(errors, "from", raw_from, end - DEFAULT_RANGE_SECONDS)
    for name, when in (("from", start), ("to", end)):
        if name not in errors and not EARLIEST <= when <= LATEST:
            errors[name] = RANGE_RULE
    if not errors and start >= end:
        errors["to"] = "must be later than from"
    if errors:
        raise ValidationError(errors)
    return start, end


def _parse(errors: dict[str, str], name: str, raw: str | None, default: float) -> float:
    if raw is None or raw == "":
        return default
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        errors[name] = ISO_RULE
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
