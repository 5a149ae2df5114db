"""The console's way to the app's Services: the one place a page reaches them
(through the request's app), with a short accessor for each object pages use.
Every object is assembled once, on ``Services``."""

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
    return services().sessions


def throttle() -> LoginThrottle:
    return services().login_throttle


def mailer() -> Mailer:
    return services().mailer


def outbox() -> Outbox:
    return services().outbox


def invitations() -> Invitations:
    return services().invitations


def audit_log() -> AuditLog:
    return services().audit_log


def account_settings() -> AccountSettingsStore:
    return services().account_settings


def notices() -> Notices:
    return services().notices
