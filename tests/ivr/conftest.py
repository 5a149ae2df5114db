"""Fixtures for the IVR tests: a URL builder for a public base URL and a
typical phone line in Berlin with a menu and callbacks."""

from __future__ import annotations

from typing import Any

import pytest

from ringback.ivr.config import NumberConfig
from ringback.ivr.prompts import Prompts, prompts_for
from ringback.ivr.urls import UrlBuilder

BUSINESS = "+4930123456"
BASE_URL = "https://ringback.example.com"


def berlin_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "line_type": "phone",
        "language": "de",
        "queue_id": "support",
        "greetings": {
            "welcome": {"text": "Willkommen bei Beispiel."},
            "menu": {"text": "Für Termine drücken Sie die 1, für Öffnungszeiten die 2."},
        },
        "menu": [
            {"digit": "1", "action": "queue", "queue_id": "bookings", "intent": "booking"},
            {"digit": "2", "action": "message", "message": {"text": "Wir sind immer da."}},
            {"digit": "3", "action": "queue", "intent": "ticket"},
        ],
        "callback": {"enabled": True, "allowed_countries": ["DE", "AT"]},
        "max_wait_seconds": 600,
        "announce_every_seconds": 60,
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def urls() -> UrlBuilder:
    return UrlBuilder(BASE_URL)


@pytest.fixture
def cfg() -> NumberConfig:
    return NumberConfig.from_json(BUSINESS, berlin_payload())


@pytest.fixture
def de() -> Prompts:
    return prompts_for("de")


@pytest.fixture
def en() -> Prompts:
    return prompts_for("en")
