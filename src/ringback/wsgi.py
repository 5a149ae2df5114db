"""Entry point for gunicorn: ``gunicorn 'ringback.wsgi:app_from_env()'``."""

from __future__ import annotations

import gc

from flask import Flask

from ringback.app import create_app
from ringback.settings import Settings


def app_from_env() -> Flask:
    """The app, with everything built at start-up frozen out of the garbage collector:
    a full collection then scans only what requests left behind (a free-slot search's
    p99 fell from 55 to under 40 ms, benchmarks/slots_bench.py)."""
    app = create_app(Settings.from_env())
    gc.collect()
    gc.freeze()
    return app
