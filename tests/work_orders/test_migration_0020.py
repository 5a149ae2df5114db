"""Migration 0020_work_orders: the four tables as the models declare them (columns,
indexes, unique keys, foreign keys), after 0019_knowledge_base, and its downgrade."""

from __future__ import annotations

import sqlalchemy as sa

from ringback.store.db import make_engine
from ringback.store.work_orders import ProblemCode, ProblemNode, WorkOrder, WorkOrderHistory
from tests.migrations import assert_table_as_declared, migrate
from tests.tickets.test_migration_0014 import empty_url  # noqa: F401 (fixture)

MODELS = (ProblemNode, ProblemCode, WorkOrder, WorkOrderHistory)


def test_the_migration_makes_the_models_tables_and_takes_them_away(empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    try:
        migrate(empty_url, engine, "0020_work_orders")
        for model in MODELS:
            assert_table_as_declared(engine, model.__table__)

        migrate(empty_url, engine, "0020_work_orders", down="0019_knowledge_base")
        left = set(sa.inspect(engine).get_table_names())
        assert not left & {m.__table__.name for m in MODELS}
        assert "kb_articles" in left
    finally:
        engine.dispose()
