"""Migration 0020_work_orders: the four tables as the models declare them (columns,
indexes, unique keys, foreign keys), after 0019_knowledge_base, and its downgrade."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from ringback.store.db import make_engine
from ringback.store.migrate import alembic_config
from ringback.store.work_orders import ProblemCode, ProblemNode, WorkOrder, WorkOrderHistory
from tests.tickets.test_migration_0014 import empty_url  # noqa: F401 (fixture)

MODELS = (ProblemNode, ProblemCode, WorkOrder, WorkOrderHistory)


def _go(url: str, engine, up: str, down: str | None = None) -> None:
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, up)
        if down:
            command.downgrade(config, down)


def test_the_migration_makes_the_models_tables_and_takes_them_away(empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    try:
        _go(empty_url, engine, "0020_work_orders")
        found = sa.inspect(engine)
        for model in MODELS:
            table = model.__table__
            name = table.name
            assert {c["name"]: c["nullable"] for c in found.get_columns(name)} == {
                c.name: c.nullable for c in table.columns}, name
            assert {ix["name"]: ix["column_names"] for ix in found.get_indexes(name)
                    if not ix.get("unique")} == {
                ix.name: [c.name for c in ix.columns] for ix in table.indexes}, name
            assert sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(name)) \
                == sorted(tuple(c.name for c in u.columns) for u in table.constraints
                          if isinstance(u, sa.UniqueConstraint)), name
            assert sorted((fk["referred_table"], tuple(fk["constrained_columns"]))
                          for fk in found.get_foreign_keys(name)) == sorted(
                (fk.column.table.name, (fk.parent.name,)) for fk in table.foreign_keys), name

        _go(empty_url, engine, "0020_work_orders", down="0019_knowledge_base")
        left = set(sa.inspect(engine).get_table_names())
        assert not left & {m.__table__.name for m in MODELS}
        assert "kb_articles" in left
    finally:
        engine.dispose()
