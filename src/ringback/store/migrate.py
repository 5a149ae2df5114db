"""Alembic migrations, run programmatically (no alembic.ini to ship).

``upgrade(url)`` brings a database to the newest schema; ``serve`` calls it at
start-up and ``ringback db upgrade`` on demand.  Several branches may exist
while parts of the schema grow side by side, so the target is "heads".
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from ringback.store.db import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")

# Modules that define models; importing them fills Base.metadata.
MODEL_MODULES = (
    "ringback.store.models",
    "ringback.store.console",
    "ringback.store.tickets",
    "ringback.store.numbers",
    "ringback.store.callbacks",
    "ringback.store.customers",
    "ringback.store.bookings",
    "ringback.store.customer_calls",
    "ringback.store.helpdesk_outbox",
    "ringback.store.knowledge",
    "ringback.store.work_orders",
    "ringback.store.service_requests",
)


def load_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, engine: Engine | None = None) -> None:
    """Apply every migration not yet applied; safe to run from several processes."""
    config = alembic_config(url)
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # One process migrates at a time; the others wait, then find nothing to do.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7164)")
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    finally:
        if own:
            engine.dispose()

