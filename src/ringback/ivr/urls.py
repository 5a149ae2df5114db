"""Where Twilio should send the caller next: route names and absolute URLs.

The TwiML builders only name a ``Route`` and the call state to carry; the
webhook layer decides the paths. ``UrlBuilder`` builds them from the public
base URL (``PUBLIC_BASE_URL``), because Twilio signs the URL it was given, not
whatever a proxy hands the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Protocol
from urllib.parse import urlencode


class Route(str, Enum):
    """Every webhook the IVR's TwiML points Twilio at."""

    INCOMING = "incoming"  # the number's voice webhook: a new call
    MENU = "menu"  # the menu <Gather> action (and its no-input <Redirect>)
    WAIT = "wait"  # <Enqueue waitUrl>: the hold loop, runs inside the queue
    QUEUE_EXIT = "queue_exit"  # <Enqueue action>: the caller left Twilio's queue
    CALLBACK_CHOICE = "callback_choice"  # 1 / 2 / 3 pressed in the hold loop
    CALLBACK_NUMBER = "callback_number"  # another number was keyed
    CALLBACK_CONFIRM = "callback_confirm"  # answer to the read-back
    VOICEMAIL = "voicemail"  # <Record action> on overflow to voicemail
    OVERFLOW = "overflow"  # where the max-wait job moves a live caller (REST redirect)
    APPOINTMENT = "appointment"  # 1 / 2 / 3 pressed in the booking self-service


class Urls(Protocol):
    """Builds the absolute URL of ``route`` with ``params`` in its query string."""

    def __call__(self, route: Route, params: Mapping[str, str] | None = None) -> str: ...


DEFAULT_PATHS: Mapping[Route, str] = MappingProxyType(
    {
        Route.INCOMING: "/twilio/voice",
        Route.MENU: "/twilio/voice/menu",
        Route.WAIT: "/twilio/voice/wait",
        Route.QUEUE_EXIT: "/twilio/voice/queue-exit",
        Route.CALLBACK_CHOICE: "/twilio/voice/callback/choice",
        Route.CALLBACK_NUMBER: "/twilio/voice/callback/number",
        Route.CALLBACK_CONFIRM: "/twilio/voice/callback/confirm",
        Route.VOICEMAIL: "/twilio/voice/voicemail",
        Route.OVERFLOW: "/twilio/voice/overflow",
        Route.APPOINTMENT: "/twilio/voice/appointment",
    }
)


class UrlBuilder:
    """``Urls`` from a public base URL and a path per route; query keys come out sorted
    so the same state always gives the same URL."""

    def __init__(self, base_url: str, paths: Mapping[Route, str] = DEFAULT_PATHS) -> None:
        missing = [route.value for route in Route if route not in paths]
        if missing:
            raise ValueError(f"no path for routes: {', '.join(missing)}")
        self._base = base_url.rstrip("/")
        self._paths = dict(paths)

    def __call__(self, route: Route, params: Mapping[str, str] | None = None) -> str:
        url = self._base + self._paths[route]
        if params:
            url += "?" + urlencode(sorted(params.items()))
        return url
