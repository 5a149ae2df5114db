"""customers, customer users and their phone numbers

Revision ID: 0013_customers
Revises: 0006_console_security
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_customers'
down_revision = '0006_console_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    )
    op.create_index(op.f('ix_customers_name'), 'customers', ['name'])
    op.create_table(
        'customer_users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_customer_users_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_users')),
    )
    op.create_index(op.f('ix_customer_users_customer_id'), 'customer_users', ['customer_id'])
    op.create_index(op.f('ix_customer_users_name'), 'customer_users', ['name'])
    op.create_index(op.f('ix_customer_users_email'), 'customer_users', ['email'])
    op.create_table(
        'customer_user_phones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_user_id', sa.Integer(), nullable=False),
        sa.Column('e164', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['customer_user_id'], ['customer_users.id'],
                                name=op.f('fk_customer_user_phones_customer_user_id_customer_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_user_phones')),
        sa.UniqueConstraint('customer_user_id', 'e164',
                            name='uq_customer_user_phones_user_e164'),
    )
    op.create_index(op.f('ix_customer_user_phones_e164'), 'customer_user_phones', ['e164'])


def downgrade() -> None:
    op.drop_index(op.f('ix_customer_user_phones_e164'), table_name='customer_user_phones')
    op.drop_table('customer_user_phones')
    op.drop_index(op.f('ix_customer_users_email'), table_name='customer_users')
    op.drop_index(op.f('ix_customer_users_name'), table_name='customer_users')
    op.drop_index(op.f('ix_customer_users_customer_id'), table_name='customer_users')
    op.drop_table('customer_users')
    op.drop_index(op.f('ix_customers_name'), table_name='customers')
    op.drop_table('customers')
