"""The console's navigation: one entry per area, shown when the page exists
and the viewer may open it.

Pages of later features (live queue, callbacks, numbers, queues, bookings,
tickets, reports) appear here by registering a view under the endpoint named below;
the entry takes its permission from that view's own ``@access`` rule, so the
menu and the server check can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ringback.console.access import Viewer, rule_of


@dataclass(frozen=True)
class NavEntry:
    group: str
    label: str
    endpoint: str


NAV = (
    NavEntry("Work", "Live queue", "console.live_queue"),
    NavEntry("Work", "Callbacks", "console.callbacks"),
    NavEntry("Work", "Bookings", "console.bookings"),
    NavEntry("Work", "Tickets", "console.tickets"),
    NavEntry("Work", "Customers", "console.customers"),
    NavEntry("Work", "Requests", "console.service_requests"),
    NavEntry("Work", "Knowledge base", "console.knowledge_base"),
    NavEntry("Work", "Work orders", "console.work_orders"),
    NavEntry("Insight", "Reports", "console.reports"),
    NavEntry("Insight", "Request volume", "console.request_volume"),
    NavEntry("Admin", "Numbers", "console.numbers"),
    NavEntry("Admin", "Queues", "console.queues"),
    NavEntry("Admin", "Booking setup", "console.booking_setup"),
    NavEntry("Admin", "Problem codes", "console.problem_codes"),
    NavEntry("Admin", "Agents", "console.agents"),
    NavEntry("Admin", "Outbox", "console.outbox_list"),
    NavEntry("Admin", "Helpdesk outbox", "console.helpdesk_outbox"),
    NavEntry("Admin", "Settings", "console.settings"),
    NavEntry("Admin", "Audit log", "console.audit"),
)


def visible_entries(
    viewer: Viewer | None,
    views: Mapping[str, Callable[..., Any]],
    *,
    hidden: frozenset[str] = frozenset(),
) -> list[tuple[str, list[NavEntry]]]:
    """The entries this viewer may open, grouped in menu order."""
    groups: dict[str, list[NavEntry]] = {}
    for entry in NAV:
        if entry.endpoint in hidden:
            continue
        rule = rule_of(views.get(entry.endpoint))
        if rule is not None and rule.allows(viewer):
            groups.setdefault(entry.group, []).append(entry)
    return list(groups.items())
