"""agent ids are never reused (SQLite AUTOINCREMENT)

Revision ID: 0012_agent_ids
Revises: 0001_agents
Create Date: 2026-12-05

Without AUTOINCREMENT, SQLite gives a new row the largest id + 1, so the agent
created after removing the newest one got the removed agent's id, and with it
whatever still named that id (issue 16, item 3).  PostgreSQL's sequence never
hands an id out twice: nothing to do there.

SQLite can only add AUTOINCREMENT by rebuilding the table.  Dropping the old
``agents`` table with foreign keys enforced would cascade to sessions and
invitations, so the rebuild runs with enforcement off (a PRAGMA SQLite ignores
inside a transaction: the one alembic may have open is committed first) and
checks the foreign keys before turning it back on.
"""

from typing import Any

from alembic import op

revision = '0012_agent_ids'
down_revision = '0001_agents'
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    raw: Any = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        with op.batch_alter_table(
            "agents", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"agents rebuild broke foreign keys: {broken}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
