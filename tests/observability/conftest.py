"""Scraping /metrics through the Flask test client, and reading the samples."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

Scrape = Callable[[], dict[tuple[str, tuple[tuple[str, str], ...]], float]]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by (name, sorted labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    """A sample's value; 0 when the scrape has no such sample (a counter not yet counted)."""
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def scrape(client) -> Scrape:
    def get() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        answer = client.get("/metrics")
        assert answer.status_code == 200, answer.data
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        return samples(answer.get_data(as_text=True))

    return get


# The signed webhook requests and number configuration of the webhook tests.
from tests.webhooks.conftest import number, signed  # noqa: E402, F401
