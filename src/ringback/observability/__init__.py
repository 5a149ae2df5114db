"""Prometheus metrics: what each process records, what a scrape reads from Redis.

``recorder`` holds the counters and histograms a process records where
things happen (webhooks, offers, jobs, deadlines, Twilio's REST API);
``live`` computes the gauges of live state from Redis at scrape time;
``exposition`` serves both at ``/metrics``.  See docs/metrics.md.
"""

from ringback.observability.recorder import Recorder, multiprocess_dir, recorder

__all__ = ["Recorder", "multiprocess_dir", "recorder"]
