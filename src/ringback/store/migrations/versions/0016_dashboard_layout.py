"""the customer information center: each agent's widget layout, and the ticket
indexes its widgets count by (customer or customer user, then state)

Revision ID: 0016_dashboard_layout
Revises: 0015_bookings
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_dashboard_layout'
down_revision = '0015_bookings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'dashboard_layouts',
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('widgets', sa.JSON(), nullable=False),
        sa.Column('closed', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE',
                                name=op.f('fk_dashboard_layouts_agent_id_agents')),
        sa.PrimaryKeyConstraint('agent_id', name=op.f('pk_dashboard_layouts')),
    )
    op.create_index('ix_tickets_customer_id_state', 'tickets', ['customer_id', 'state'])
    op.create_index('ix_tickets_customer_user_id_state', 'tickets',
                    ['customer_user_id', 'state'])


def downgrade() -> None:
    op.drop_index('ix_tickets_customer_user_id_state', table_name='tickets')
    op.drop_index('ix_tickets_customer_id_state', table_name='tickets')
    op.drop_table('dashboard_layouts')
