"""The webhook URLs of an outbound callback call, built from PUBLIC_BASE_URL.

Each URL names the attempt in its query string; Twilio signs the whole URL,
so a request that changed it fails the signature check.  The routes are
served by ``ringback.webhooks.outbound``.
"""

from __future__ import annotations

from urllib.parse import urlencode

PREFIX = "/twilio/voice/callback/outbound"
CONNECT_PATH = f"{PREFIX}/connect"  # the agent answered: whisper, then dial the customer
DIAL_DONE_PATH = f"{PREFIX}/dial-done"  # <Dial action>: how the customer's leg ended
AGENT_STATUS_PATH = f"{PREFIX}/status"  # status callback of the agent's leg
CUSTOMER_STATUS_PATH = f"{PREFIX}/customer-status"  # <Number statusCallback>: answered

ATTEMPT_PARAM = "attempt"


class OutboundUrls:
    def __init__(self, base_url: str) -> None:
        self._base = base_url.rstrip("/")

    def _url(self, path: str, attempt_key: str) -> str:
        return f"{self._base}{path}?{urlencode({ATTEMPT_PARAM: attempt_key})}"

    def connect(self, attempt_key: str) -> str:
        return self._url(CONNECT_PATH, attempt_key)

    def dial_done(self, attempt_key: str) -> str:
        return self._url(DIAL_DONE_PATH, attempt_key)

    def agent_status(self, attempt_key: str) -> str:
        return self._url(AGENT_STATUS_PATH, attempt_key)

    def customer_status(self, attempt_key: str) -> str:
        return self._url(CUSTOMER_STATUS_PATH, attempt_key)
