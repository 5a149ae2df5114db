"""Signed webhook requests through the Flask test client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from twilio.request_validator import RequestValidator

BUSINESS = "+4930123456"
CALLER = "+4915112345678"
SID = "CA" + "ab" * 16


@pytest.fixture
def signed(client, settings) -> Callable[..., Any]:
    """POST ``params`` to a public URL, signed by twilio's own RequestValidator."""
    validator = RequestValidator(settings.webhook_auth_token)

    def post(url: str, params: dict[str, str], *, token: str | None = None) -> Any:
        if not url.startswith("http"):
            url = settings.public_base_url + url
        signer = RequestValidator(token) if token else validator
        signature = signer.compute_signature(url, params)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    return post


@pytest.fixture
def number(client, owner_headers) -> Callable[..., dict[str, Any]]:
    def put(e164: str = BUSINESS, **body: Any) -> dict[str, Any]:
        response = client.put(f"/api/v1/numbers/{e164}", json=body, headers=owner_headers)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    return put
