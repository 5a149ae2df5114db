"""Signed webhook requests, as Twilio sends them."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from twilio.request_validator import RequestValidator


class WebhookFailed(RuntimeError):
    """ringback answered a webhook with something that is not TwiML."""


class Transport:
    """Posts signed webhook requests; the signature uses the public URL."""

    def __init__(self, server_url: str, public_url: str, auth_token: str) -> None:
        self._server = server_url.rstrip("/")
        self._public = public_url.rstrip("/")
        self._validator = RequestValidator(auth_token)

    def absolute(self, url: str, base: str) -> str:
        return urllib.parse.urljoin(base or self._public + "/", url)

    def post(self, public_url: str, params: dict[str, str]) -> tuple[int, str]:
        signature = self._validator.compute_signature(public_url, params)
        target = public_url
        if public_url.startswith(self._public):
            target = self._server + public_url[len(self._public):]
        request = urllib.request.Request(
            target,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature,
                     "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
