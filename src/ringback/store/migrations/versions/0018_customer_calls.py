"""calls agents took, for the customer user's timeline

Revision ID: 0018_customer_calls
Revises: 0015_bookings
"""

import sqlalchemy as sa
from alembic import op

revision = '0018_customer_calls'
down_revision = '0015_bookings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'customer_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('e164', sa.String(length=16), nullable=False),
        sa.Column('call_ref', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('queue_id', sa.String(length=64), nullable=False),
        sa.Column('intent', sa.String(length=20), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('agent_name', sa.String(length=200), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_calls')),
        sa.UniqueConstraint('call_ref', 'agent_id', name='uq_customer_calls_call_ref_agent'),
    )
    op.create_index(op.f('ix_customer_calls_e164'), 'customer_calls', ['e164'])
    op.create_index(op.f('ix_customer_calls_taken_at'), 'customer_calls', ['taken_at'])


def downgrade() -> None:
    op.drop_table('customer_calls')
