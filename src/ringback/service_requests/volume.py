"""The request-volume report: requests per day, week or month, split by one dimension.

Dimensions are the type, the channel, the queue, the problem category (the
problem code's category) and the agent. Periods are calendar days, ISO weeks
(Monday first) or calendar months in the time zone asked for, so a request
logged at 23:30 in Berlin counts on that Berlin day. Every request logged in
the range counts, completed or not: the report is of contacts.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from ringback.errors import NotFound, ValidationError
from ringback.store.console import as_utc
from ringback.store.db import Database
from ringback.store.models import Agent
from ringback.store.service_requests import ServiceRequest

PERIODS = {"day": "Day", "week": "Week", "month": "Month"}
DIMENSIONS = {"type": "Type", "channel": "Channel", "queue": "Queue",
              "category": "Problem category", "agent": "Agent"}
TYPE_LABELS = {"information": "Information", "action": "Action", "remark": "Remark"}
CHANNEL_LABELS = {"phone": "Phone", "email": "E-mail", "fax": "Fax", "walk_in": "Walk-in"}
NONE_LABELS = {"queue": "No queue", "category": "No problem code", "agent": "No agent"}
MAX_DAYS = 731
DATE_RULE = "must be a date such as 2027-01-15"


class CodePaths(Protocol):
    def get(self, code_id: int) -> Any: ...


@dataclass(frozen=True)
class VolumeQuery:
    period: str
    by: str
    first: date
    last: date
    zone: str = "UTC"


@dataclass(frozen=True)
class VolumeTable:
    """Counts per (period, group); periods in time order, groups by their total."""

    query: VolumeQuery
    periods: list[str]
    groups: list[str]
    counts: Mapping[tuple[str, str], int]

    def count(self, period: str, group: str) -> int:
        return self.counts.get((period, group), 0)

    def period_total(self, period: str) -> int:
        return sum(self.count(period, g) for g in self.groups)

    def group_total(self, group: str) -> int:
        return sum(self.count(p, group) for p in self.periods)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([PERIODS[self.query.period], DIMENSIONS[self.query.by], "Requests"])
        for period in self.periods:
            for group in self.groups:
                writer.writerow([period, group, self.count(period, group)])
        return out.getvalue()


def volume_query(args: Mapping[str, str | None], today: date) -> VolumeQuery:
    """The report asked for (default: the last 30 days per day by type); a
    ValidationError names each bad field."""
    errors: dict[str, str] = {}
    period = args.get("period") or "day"
    if period not in PERIODS:
        errors["period"] = "must be one of day, week, month"
    by = args.get("by") or "type"
    if by not in DIMENSIONS:
        errors["by"] = "must be one of type, channel, queue, category, agent"
    last = _date(errors, "to", args.get("to"), today)
    first = _date(errors, "from", args.get("from"), last - timedelta(days=29))
    if not errors and last < first:
        errors["to"] = "must not be before from"
    elif not errors and (last - first).days >= MAX_DAYS:
        errors["to"] = f"must be at most {MAX_DAYS} days after from"
    zone = args.get("tz") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["tz"] = "must be a time zone such as Europe/Berlin"
    if errors:
        raise ValidationError(errors)
    return VolumeQuery(period, by, first, last, zone)


class VolumeReport:
    """Counts the requests of a range into periods and groups."""

    def __init__(self, db: Database, codes: CodePaths) -> None:
        self._db = db
        self._codes = codes

    def table(self, query: VolumeQuery) -> VolumeTable:
        zone = ZoneInfo(query.zone)
        start = datetime.combine(query.first, time(), zone).astimezone(UTC)
        end = datetime.combine(query.last + timedelta(days=1), time(), zone).astimezone(UTC)
        with self._db.session() as session:
            rows = session.execute(
                select(ServiceRequest.created_at, ServiceRequest.type, ServiceRequest.channel,
                       ServiceRequest.queue_id, ServiceRequest.problem_code_id, Agent.name)
                .outerjoin(Agent, Agent.id == ServiceRequest.agent_id)
                .where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
            ).all()
        categories: dict[int, str] = {}
        counts: Counter[tuple[str, str]] = Counter()
        for created, kind, channel, queue, code_id, agent in rows:
            local = as_utc(created).astimezone(zone).date()
            group = self._group(query.by, kind, channel, queue, code_id, agent, categories)
            counts[(_period_label(query.period, local), group)] += 1
        periods = _period_labels(query)
        totals: Counter[str] = Counter()
        for (_, group), n in counts.items():
            totals[group] += n
        groups = sorted(totals, key=lambda g: (-totals[g], g))
        if query.by == "type":  # every type shows, even at zero, in the form's order
            groups = list(TYPE_LABELS.values())
        return VolumeTable(query, periods, groups, dict(counts))

    def _group(self, by: str, kind: str, channel: str, queue: str | None, code_id: int | None,
               agent: str | None, categories: dict[int, str]) -> str:
        if by == "type":
            return TYPE_LABELS.get(kind, kind)
        if by == "channel":
            return CHANNEL_LABELS.get(channel, channel)
        if by == "queue":
            return queue or NONE_LABELS["queue"]
        if by == "agent":
            return agent or NONE_LABELS["agent"]
        if code_id is None:
            return NONE_LABELS["category"]
        if code_id not in categories:
            try:
                categories[code_id] = self._codes.get(code_id).category
            except NotFound:
                categories[code_id] = NONE_LABELS["category"]
        return categories[code_id]


def _period_start(period: str, day: date) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _period_label(period: str, day: date) -> str:
    start = _period_start(period, day)
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


def _period_labels(query: VolumeQuery) -> list[str]:
    labels: list[str] = []
    day = query.first
    while day <= query.last:
        label = _period_label(query.period, day)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def _date(errors: dict[str, str], name: str, raw: str | None, default: date) -> date:
    if raw is None or not raw.strip():
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[name] = DATE_RULE
        return default
