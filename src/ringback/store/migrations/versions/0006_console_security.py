"""console security: retire invitation links that carried their token in the path

Revision ID: 0006_console_security
Revises: 0004_console
Create Date: 2026-12-05 08:40:00

Invitation mails sent before this version linked to
/console/invitations/<token>, and that request line went into access logs, so
anyone who can read a log could set the invitee's password.  Every such link
still pending is expired here; the agents page then shows "Needs an
invitation" and an admin sends a new one (its token travels after "#").
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0006_console_security'
down_revision = '0004_console'
branch_labels = None
depends_on = None

invitations = sa.table(
    'console_invitations',
    sa.column('used_at', sa.DateTime(timezone=True)),
    sa.column('expires_at', sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    now = datetime.now(UTC)
    op.execute(
        invitations.update()
        .where(invitations.c.used_at.is_(None), invitations.c.expires_at > now)
        .values(expires_at=now)
    )


def downgrade() -> None:
    # The old links stay retired: their tokens are in the logs.
    pass
