"""Twilio request signatures, checked against the public URL.

Behind a proxy the app sees its own host and scheme, not the URL Twilio
signed, so the URL is always rebuilt from PUBLIC_BASE_URL plus the path and
query string of the request.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator, compare


class SignatureCheck:
    def __init__(self, auth_token: str, public_base_url: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._base = public_base_url.rstrip("/")

    def public_url(self, path: str, query_string: str) -> str:
        return f"{self._base}{path}" + (f"?{query_string}" if query_string else "")

    def is_valid(self, path: str, query_string: str, form: Mapping[str, str],
                 signature: str | None) -> bool:
        if not signature:
            return False
        url = self.public_url(path, query_string)
        # Twilio signs the URL exactly as configured, which is ours in the common
        # case: one HMAC. Otherwise the validator also tries it with and without port.
        if compare(self._validator.compute_signature(url, form), signature):
            return True
        return bool(self._validator.validate(url, form, signature))
