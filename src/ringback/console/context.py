"""The console's view of the app's Services: one place that builds the domain
objects a page needs from the request's app, so pages stay thin."""

from __future__ import annotations

from flask import current_app

from ringback.agents import AgentDirectory
from ringback.console.account_settings import AccountSettingsStore
from ringback.console.audit import AuditLog
from ringback.console.invitations import Invitations
from ringback.console.mail import Mailer, Outbox
from ringback.console.notices import Notices
from ringback.console.sessions import SessionStore
from ringback.console.throttle import LoginThrottle
from ringback.services import Services


def services() -> Services:
    return current_app.extensions["ringback"]  # type: ignore[no-any-return]


def directory() -> AgentDirectory:
    return services().agents


def session_store() -> SessionStore:
    s = services()
    return SessionStore(s.db, s.clock)


def throttle() -> LoginThrottle:
    s = services()
    return LoginThrottle(s.redis, s.clock)


def mailer() -> Mailer:
    s = services()
    return Mailer(s.settings, s.redis, s.clock)


def outbox() -> Outbox:
    return Outbox.of(services().settings)


def invitations() -> Invitations:
    s = services()
    return Invitations(s.db, s.clock, mailer(), s.settings.public_base_url,
                       s.settings.secret_key)


def audit_log() -> AuditLog:
    s = services()
    return AuditLog(s.db, s.clock)


def account_settings() -> AccountSettingsStore:
    s = services()
    return AccountSettingsStore(s.db, s.clock)


def notices() -> Notices:
    return Notices(services().redis)
