"""The database a benchmark seeds: a SQLite file in a temporary folder, or, with
DATABASE_URL, a fresh PostgreSQL database beside the one named, dropped at the end,
so no real data is touched."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def temporary_database(name: str) -> Iterator[str]:
    """The URL of an empty database for the benchmark ``name`` (e.g. "slots")."""
    given = os.environ.get("DATABASE_URL")
    if not given:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/{name}.sqlite3"
        return
    base = make_url(given)
    database = f"ringback_{name}_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
