"""Migration 0014_helpdesk keeps the tickets and comments stored before it: state
from the old status, a number, comments as notes; and it downgrades again.

On SQLite, and on PostgreSQL in a database of its own when DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from ringback.store.db import make_engine
from ringback.store.migrate import alembic_config, upgrade

BEFORE = ("0002_tickets", "0012_agent_ids", "0013_customers")


@pytest.fixture
def empty_url(tmp_path) -> Iterator[str]:
    given = os.environ.get("DATABASE_URL")
    if not given:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    from sqlalchemy.engine import make_url

    from ringback.settings import Settings

    base = make_url(Settings.from_env({"DATABASE_URL": given,
                                       "RINGBACK_DATA_DIR": str(tmp_path)}).database_url)
    name = f"ringback_mig_{os.getpid()}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(engine, url: str, *revisions: str, down: str | None = None) -> None:
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        for revision in revisions:
            command.upgrade(config, revision)
        if down:
            command.downgrade(config, down)


def test_existing_tickets_and_comments_survive_the_upgrade_and_downgrade(empty_url):
    engine = make_engine(empty_url)
    try:
        _migrate(engine, empty_url, *BEFORE)
        with engine.begin() as conn:
            for n, status in enumerate(("open", "pending", "solved"), 1):
                conn.execute(sa.text(
                    "INSERT INTO tickets (subject, requester, description, status, data, "
                    "idempotency_key, created_at, updated_at) VALUES ('Callback', "
                    "'+442071838750', '', :status, '{}', :key, :at, :at)"),
                    {"status": status, "key": f"k{n}", "at": "2027-01-15 10:00:00+00:00"})
            conn.execute(sa.text(
                "INSERT INTO ticket_comments (ticket_id, body, internal, created_at) "
                "VALUES (1, 'Callback attempted', :yes, '2027-01-15 10:05:00+00:00')"),
                {"yes": True})
        upgrade(empty_url, engine)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, number, state, status, priority, "
                                        "pending_until FROM tickets ORDER BY id")).all()
            kinds = conn.execute(sa.text("SELECT kind, internal FROM ticket_comments")).all()
        assert [(r.number, r.state, r.status, r.priority) for r in rows] == [
            ("2027011500001", "open", "open", 3),
            ("2027011500002", "pending reminder", "pending", 3),
            ("2027011500003", "closed successful", "solved", 3)]
        assert rows[1].pending_until is not None and rows[0].pending_until is None
        assert [(k.kind, bool(k.internal)) for k in kinds] == [("note", True)]
        _migrate(engine, empty_url, down="0013_customers")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("tickets")}
            assert "state" not in columns
            assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == 3
        upgrade(empty_url, engine)  # and up again
    finally:
        engine.dispose()
