"""``TerminalPhone``: places calls into ringback, and answers the ones it places,
the way Twilio would deliver them."""

from __future__ import annotations

import time
from collections.abc import Callable

from ringback.terminal_phone.call import Heard, PhoneCall, new_call_sid
from ringback.terminal_phone.interpreter import CallRun
from ringback.terminal_phone.transport import Transport


class TerminalPhone:
    """Places calls into ringback the way Twilio would deliver them."""

    def __init__(
        self,
        server_url: str,
        *,
        auth_token: str,
        public_url: str | None = None,
        account_sid: str = "AC" + "0" * 32,
        redirects: Callable[[str], str | None] | None = None,
        on_heard: Callable[[Heard], None] | None = None,
        max_requests: int = 500,
        stop_on_hold: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = Transport(server_url, public_url or server_url, auth_token)
        self._public = (public_url or server_url).rstrip("/")
        self._account_sid = account_sid
        self._redirects = redirects or (lambda _sid: None)
        self._on_heard = on_heard
        self._max_requests = max_requests
        self._stop_on_hold = stop_on_hold
        self._clock = clock

    def dial(self, to: str, from_: str, *, call_sid: str | None = None) -> PhoneCall:
        """Start an inbound call; runs until the caller must press something."""
        call = PhoneCall(call_sid or new_call_sid())
        run = self._run(call, self._params(call.call_sid, to, from_, "inbound"))
        return call.start(run.run(f"{self._public}/twilio/voice", {"CallStatus": "ringing"},
                                  f"{self._public}/twilio/status"))

    def pick_up(self, url: str, *, to: str, from_: str, call_sid: str,
                status_callback: str | None = None) -> PhoneCall:
        """Answer an outbound call ringback placed (``url`` is the call's TwiML, e.g. the
        agent leg of a callback); runs until the call must wait for something."""
        call = PhoneCall(call_sid)
        run = self._run(call, self._params(call_sid, to, from_, "outbound-api"))
        return call.start(run.run(url, {}, status_callback))

    def _run(self, call: PhoneCall, base: dict[str, str]) -> CallRun:
        return CallRun(call, self._transport, base, redirects=self._redirects,
                       on_heard=self._on_heard, max_requests=self._max_requests,
                       stop_on_hold=self._stop_on_hold, clock=self._clock)

    def _params(self, call_sid: str, to: str, from_: str, direction: str) -> dict[str, str]:
        return {"AccountSid": self._account_sid, "CallSid": call_sid, "From": from_,
                "To": to, "Direction": direction, "ApiVersion": "2010-04-01"}
