"""Migration 0016_dashboard_layout: the layout table and the ticket indexes the
customer information center and the ticket list filter by, the same as the
models declare; and each widget count set is one query that the database answers
through an index rather than by reading every ticket."""

from __future__ import annotations

import importlib
import re

import pytest
import sqlalchemy as sa

from ringback.store.db import make_engine
from ringback.store.tickets import Ticket
from ringback.tickets.dashboard import Scope, TicketDashboard
from tests.migrations import migrate
from tests.tickets.test_migration_0014 import empty_url  # noqa: F401 (fixture)

MIGRATION = importlib.import_module(
    "ringback.store.migrations.versions.0016_dashboard_layout")


def _indexes(engine) -> dict[str, list[str]]:
    return {ix["name"]: list(ix["column_names"])
            for ix in sa.inspect(engine).get_indexes("tickets")}


def test_the_migration_adds_the_layout_table_and_the_models_indexes(empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    try:
        migrate(empty_url, engine, "0016_dashboard_layout")
        found = _indexes(engine)
        model = {ix.name: [c.name for c in ix.columns] for ix in Ticket.__table__.indexes
                 if ix.name in MIGRATION.INDEXES}
        assert model == MIGRATION.INDEXES
        assert {name: found.get(name) for name in MIGRATION.INDEXES} == MIGRATION.INDEXES
        assert "dashboard_layouts" in sa.inspect(engine).get_table_names()
        migrate(empty_url, engine, "0016_dashboard_layout", down="0015_bookings")
        assert not set(MIGRATION.INDEXES) & set(_indexes(engine))
        assert "dashboard_layouts" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.fixture
def statements(services):
    """Every SQL statement (with its parameters) the test's code sends."""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    engine = services.db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def _plan(engine, statement: str, parameters) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in rows)


@pytest.mark.parametrize("scope_of", ["customer", "customer user"])
def test_each_widget_count_set_is_one_indexed_query(services, clock, statements, scope_of):
    customer = services.customers.create_customer({"name": "Acme"})
    user = services.customers.create_user({"customer_id": customer.id, "name": "Ada"})
    scope = Scope(customer_id=customer.id) if scope_of == "customer" else \
        Scope(customer_user_id=user.id)
    board = TicketDashboard(services.db, clock, services.ticket_listing)
    statements.clear()
    board.counts(scope, 1, ["sales"])
    assert len(statements) == 1
    plan = _plan(services.db.engine, *statements[0])
    column = "customer_id" if scope_of == "customer" else "customer_user_id"
    used = rf"(INDEX|Index Scan on|Index Scan using) ix_tickets_{column}(_state)?\b"
    assert re.search(used, plan), plan
    assert "SCAN tickets\n" not in plan + "\n" and "Seq Scan" not in plan, plan
