"""Migration 0017_helpdesk_outbox: the table the model declares, on a branch of its
own from 0015 (another branch grows beside it; ``upgrade`` goes to "heads"), and
its downgrade."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from ringback.store.db import make_engine
from ringback.store.helpdesk_outbox import HelpdeskOutboxRow
from ringback.store.migrate import alembic_config
from tests.tickets.test_migration_0014 import empty_url  # noqa: F401 (fixture)


def _go(url: str, engine, up: str, down: str | None = None) -> None:
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, up)
        if down:
            command.downgrade(config, down)


def test_the_migration_makes_the_models_table_and_takes_it_away(empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    try:
        _go(empty_url, engine, "0017_helpdesk_outbox")
        found = sa.inspect(engine)
        table = HelpdeskOutboxRow.__table__
        assert {c["name"]: c["nullable"] for c in found.get_columns("helpdesk_outbox")} == {
            c.name: c.nullable for c in table.columns}
        assert {ix["name"]: ix["column_names"] for ix in found.get_indexes("helpdesk_outbox")
                if not ix.get("unique")} == {
            ix.name: [c.name for c in ix.columns] for ix in table.indexes}
        assert [u["column_names"] for u in found.get_unique_constraints("helpdesk_outbox")] \
            == [["key"]]

        _go(empty_url, engine, "0017_helpdesk_outbox", down="0015_bookings")
        assert "helpdesk_outbox" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
