"""the customer information center: each agent's widget layout, and the ticket
indexes its widgets and the ticket list filter by: customer or customer user
then state (the widgets' counts), state then queue ("my queues"), lock and owner
then state ("my locked"), state then pending time (reminders due) and each
escalation time (escalated)

Revision ID: 0016_dashboard_layout
Revises: 0015_bookings
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_dashboard_layout'
down_revision = '0015_bookings'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_tickets_customer_id_state': ['customer_id', 'state'],
    'ix_tickets_customer_user_id_state': ['customer_user_id', 'state'],
    'ix_tickets_state_queue': ['state', 'queue'],
    'ix_tickets_locked_by_agent_id_state': ['locked_by_agent_id', 'state'],
    'ix_tickets_owner_agent_id_state': ['owner_agent_id', 'state'],
    'ix_tickets_state_pending_until': ['state', 'pending_until'],
    'ix_tickets_first_response_due': ['first_response_due'],
    'ix_tickets_update_due': ['update_due'],
    'ix_tickets_solution_due': ['solution_due'],
}


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
    for name, columns in INDEXES.items():
        op.create_index(name, 'tickets', columns)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name='tickets')
    op.drop_table('dashboard_layouts')
