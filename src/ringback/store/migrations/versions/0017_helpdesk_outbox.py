"""the helpdesk outbox: tickets, comments and call events bound for a helpdesk

Revision ID: 0017_helpdesk_outbox
Revises: 0015_bookings
"""

import sqlalchemy as sa
from alembic import op

revision = '0017_helpdesk_outbox'
down_revision = '0015_bookings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'helpdesk_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('local_ticket_id', sa.Integer(), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('remote_id', sa.String(length=100), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_helpdesk_outbox')),
        sa.UniqueConstraint('key', name=op.f('uq_helpdesk_outbox_key')),
    )
    op.create_index(op.f('ix_helpdesk_outbox_local_ticket_id'), 'helpdesk_outbox',
                    ['local_ticket_id'])
    op.create_index(op.f('ix_helpdesk_outbox_status'), 'helpdesk_outbox', ['status'])
    op.create_index(op.f('ix_helpdesk_outbox_next_attempt_at'), 'helpdesk_outbox',
                    ['next_attempt_at'])


def downgrade() -> None:
    op.drop_table('helpdesk_outbox')
