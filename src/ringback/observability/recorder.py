"""The counters and histograms each ringback process records where things happen.

Prometheus counters live in the process that counts, so this is the one
per-process object of ringback: built at first use (never at import), and
shared by every ``Services`` of the process.  With ``PROMETHEUS_MULTIPROC_DIR``
set (gunicorn workers, rq workers and schedulers side by side) prometheus-client
writes each process's values to files in that folder and a scrape sums them;
without it the values stay in this process's own registry.

Label values are bounded and never personal: queue ids, webhook routes,
job and deadline kinds, Twilio error codes and HTTP statuses.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Webhooks answer in milliseconds; Twilio gives up after 15 s.
WEBHOOK_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
# Jobs and deadlines are handed on within a second when all is well.
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


def multiprocess_dir() -> str | None:
    """The folder of multiprocess mode, or None for a single process."""
    return os.environ.get(MULTIPROC_ENV) or None


class Recorder:
    """The instruments, named ``ringback_*``; ``registry`` is None in multiprocess mode."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.registry = registry
        self.webhook_seconds = Histogram(
            "ringback_webhook_seconds", "Time to answer a Twilio webhook, by route",
            ["route"], buckets=WEBHOOK_BUCKETS, registry=registry)
        self.offers = Counter(
            "ringback_offers", "Offers of queue entries to agents, by queue and outcome "
            "(made, accepted, declined, missed)", ["queue", "outcome"], registry=registry)
        self.jobs = Counter(
            "ringback_jobs", "rq jobs run by ringback's workers, by job and outcome "
            "(ok, failed)", ["job", "outcome"], registry=registry)
        self.job_lateness = Histogram(
            "ringback_job_lateness_seconds", "Time from a job's enqueueing to its start",
            ["job"], buckets=LATENESS_BUCKETS, registry=registry)
        self.deadline_lateness = Histogram(
            "ringback_deadline_lateness_seconds", "Time from a deadline's due time to the "
            "sweeper handing it on, by kind", ["kind"], buckets=LATENESS_BUCKETS,
            registry=registry)
        self.twilio_errors = Counter(
            "ringback_twilio_api_errors", "Failed requests to Twilio's REST API, retries "
            "included, by Twilio error code and HTTP status (none: not reached)",
            ["code", "status"], registry=registry)

    def webhook(self, route: str, started: float) -> None:
        """A webhook of ``route`` answered; ``started`` is its ``time.perf_counter()``."""
        self.webhook_seconds.labels(route).observe(time.perf_counter() - started)

    def offer(self, queue_id: str, outcome: str) -> None:
        self.offers.labels(queue_id, outcome).inc()

    def job_started(self, func_name: str, enqueued_at: datetime | None) -> None:
        if enqueued_at is not None:
            enqueued = enqueued_at.replace(tzinfo=UTC) if enqueued_at.tzinfo is None \
                else enqueued_at
            late = time.time() - enqueued.timestamp()
            self.job_lateness.labels(job_name(func_name)).observe(max(late, 0.0))

    def job_finished(self, func_name: str, ok: bool) -> None:
        self.jobs.labels(job_name(func_name), "ok" if ok else "failed").inc()

    def batch_item_finished(self, func_name: str, late_seconds: float, ok: bool) -> None:
        """One deadline run inside a batch job: counted and timed under its own
        handler's name, as if it were a job of its own."""
        self.job_lateness.labels(job_name(func_name)).observe(max(late_seconds, 0.0))
        self.job_finished(func_name, ok)

    def deadlines_handed(self, kind: str, now: float, due_times: Iterable[float]) -> None:
        histogram = self.deadline_lateness.labels(kind)
        for due_at in due_times:
            histogram.observe(max(now - due_at, 0.0))

    def twilio_error(self, code: int | None, status: int | None) -> None:
        self.twilio_errors.labels(_or_none(code), _or_none(status)).inc()


def job_name(func_name: str) -> str:
    """``ringback.callbacks.jobs.expire_callback`` -> ``expire_callback``."""
    return func_name.rpartition(".")[2] or "unknown"


def _or_none(value: int | None) -> str:
    return "none" if value is None else str(value)


@functools.cache
def recorder() -> Recorder:
    """This process's recorder, built on first use."""
    return Recorder(None if multiprocess_dir() else CollectorRegistry(auto_describe=True))
