"""Helpers of the migration tests: run migrations on a connection of the test's own
engine, and compare a table the database has with the one the model declares."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from ringback.store.migrate import alembic_config


def migrate(url: str, engine: sa.Engine, up: str, down: str | None = None) -> None:
    """Upgrade to ``up`` (then downgrade to ``down``) in one transaction of ``engine``."""
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, up)
        if down:
            command.downgrade(config, down)


def assert_table_as_declared(engine: sa.Engine, table: sa.Table) -> None:
    """Columns (with nullability), plain indexes, unique keys and foreign keys match."""
    found = sa.inspect(engine)
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
