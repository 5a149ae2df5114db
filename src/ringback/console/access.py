"""Who is looking at a console page, and what each page lets through.

Every console view declares its rule with ``@access(...)``; a view without
one is refused (fail closed), so no page can forget its permission check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g, request

from ringback.agents import Principal
from ringback.console.context import directory, services, throttle
from ringback.console.throttle import client_address as forwarded_client
from ringback.errors import ValidationError
from ringback.store.models import Agent, Permission, Role

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Viewer:
    """The signed-in agent of this request and the session it came with."""

    agent: Agent
    principal: Principal
    session_id: int
    session_token: str

    @property
    def is_admin(self) -> bool:
        return self.principal.role in (Role.OWNER, Role.ADMIN)


@dataclass(frozen=True)
class Access:
    """What a page needs: nobody, any signed-in agent, an admin, or one area."""

    signed_in: bool = True
    admin: bool = False
    area: Permission | None = None

    def allows(self, viewer: Viewer | None) -> bool:
        if not self.signed_in:
            return True
        if viewer is None:
            return False
        if self.admin and not viewer.is_admin:
            return False
        return self.area is None or viewer.principal.may(self.area)

    def describe(self) -> str:
        if self.admin:
            return "the owner or an admin"
        if self.area is not None:
            return f"the {area_label(self.area)} permission"
        return "a signed-in agent"


PUBLIC = Access(signed_in=False)
SIGNED_IN = Access()
ADMIN = Access(admin=True)

AREA_LABELS = {
    Permission.LIVE_QUEUE: "Live queue",
    Permission.CALLBACKS: "Callbacks",
    Permission.NUMBERS: "Numbers",
    Permission.AGENTS: "Agents",
    Permission.REPORTS: "Reports",
    Permission.BOOKINGS: "Bookings",
    Permission.TICKETS: "Tickets",
    Permission.REQUESTS: "Requests",
    Permission.KNOWLEDGE_BASE: "Knowledge base editing",
    Permission.WORK_ORDERS: "Work orders and problem codes",
}


def area_label(permission: Permission) -> str:
    return AREA_LABELS[permission]


def area(permission: Permission) -> Access:
    return Access(area=permission)


def access(rule: Access) -> Callable[[F], F]:
    """Declare the rule of a console view (put it below the route decorator)."""

    def mark(view: F) -> F:
        view.console_access = rule  # type: ignore[attr-defined]
        return view

    return mark


def rule_of(view: Callable[..., Any] | None) -> Access | None:
    return getattr(view, "console_access", None)


def viewer() -> Viewer | None:
    return g.get("viewer")


def require_viewer() -> Viewer:
    """The viewer on a page whose rule already demanded a signed-in agent."""
    found = viewer()
    if found is None:
        raise RuntimeError("require_viewer() on a page that lets anonymous visitors in")
    return found


def client_address() -> str:
    """The browser's address as the log-in throttle counts it (RINGBACK_TRUSTED_PROXIES)."""
    return forwarded_client(request.remote_addr or "", request.headers.getlist("X-Forwarded-For"),
                            services().settings.trusted_proxies)


def confirm_password(who: Viewer, password: object, field: str = "confirm_password") -> None:
    """Ask again for the viewer's password before a sensitive action.

    Wrong answers count towards the same limits as the log-in form.
    """
    if not isinstance(password, str) or not password:
        raise ValidationError({field: "is not your current password"})
    limiter = throttle()
    email, address = who.agent.email, client_address()
    attempt = limiter.attempt(email, address)
    refusal = attempt.refused
    if refusal is None:
        if directory().check_password(email, password) is not None:
            limiter.succeeded(email, address)
            return
        refusal = attempt.if_wrong
    if refusal is not None:
        wait = refusal.wait_text(services().clock.now())
        raise ValidationError({field: f"was wrong too often; try again in {wait}"})
    raise ValidationError({field: "is not your current password"})
