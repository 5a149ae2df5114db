"""``/metrics``: the recorder's counters and the live gauges in Prometheus's format.

Access: with ``RINGBACK_METRICS_TOKEN`` set, a scrape must send it as a
bearer token; without it, only a client on this host (loopback, and no
proxy's ``X-Forwarded-For``) may scrape.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from flask import Flask, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ringback.observability.live import LiveState
from ringback.observability.recorder import multiprocess_dir, recorder
from ringback.services import Services

PATH = "/metrics"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


class _ThisProcess(Collector):
    """The recorder's own registry (single-process mode)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


def scrape(services: Services) -> bytes:
    """One scrape in Prometheus's text format."""
    registry = CollectorRegistry(auto_describe=False)
    folder = multiprocess_dir()
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        own = recorder().registry
        assert own is not None  # built without a registry only in multiprocess mode
        registry.register(_ThisProcess(own))
    registry.register(LiveState(services))
    return generate_latest(registry)


def refusal(token: str | None) -> Response | None:
    """Why this request may not scrape, as the answer to give; None when it may."""
    if token is not None:
        sent = request.headers.get("Authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return None
        return Response("Send RINGBACK_METRICS_TOKEN as a bearer token.\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain")
    if request.remote_addr in _LOOPBACK and "X-Forwarded-For" not in request.headers:
        return None
    return Response("Metrics are served to this host only; set RINGBACK_METRICS_TOKEN to "
                    "scrape from elsewhere.\n", 403, mimetype="text/plain")


def register_metrics(app: Flask, services: Services) -> None:
    """``GET /metrics`` on ``app``."""

    @app.get(PATH)
    def metrics() -> Response:
        refused = refusal(services.settings.metrics_token)
        if refused is not None:
            return refused
        return Response(scrape(services), mimetype=None,
                        headers={"Content-Type": CONTENT_TYPE_LATEST})
