"""Migration 0017_helpdesk_outbox: the table the model declares, on a branch of its
own from 0015 (another branch grows beside it; ``upgrade`` goes to "heads"), and
its downgrade."""

from __future__ import annotations

import sqlalchemy as sa

from ringback.store.db import make_engine
from ringback.store.helpdesk_outbox import HelpdeskOutboxRow
from tests.migrations import assert_table_as_declared, migrate
from tests.tickets.test_migration_0014 import empty_url  # noqa: F401 (fixture)


def test_the_migration_makes_the_models_table_and_takes_it_away(empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    try:
        migrate(empty_url, engine, "0017_helpdesk_outbox")
        assert_table_as_declared(engine, HelpdeskOutboxRow.__table__)
        assert [u["column_names"] for u in sa.inspect(engine).get_unique_constraints(
            "helpdesk_outbox")] == [["key"]]

        migrate(empty_url, engine, "0017_helpdesk_outbox", down="0015_bookings")
        assert "helpdesk_outbox" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
