"""the problem-code tree, problem codes with their work-order template, work orders
and their state history

Revision ID: 0020_work_orders
Revises: 0019_knowledge_base
"""

import sqlalchemy as sa
from alembic import op

revision = '0020_work_orders'
down_revision = '0019_knowledge_base'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'problem_nodes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['problem_nodes.id'],
                                name=op.f('fk_problem_nodes_parent_id_problem_nodes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_nodes')),
        sa.UniqueConstraint('parent_id', 'name', name='uq_problem_nodes_parent_name'),
    )
    op.create_index(op.f('ix_problem_nodes_parent_id'), 'problem_nodes', ['parent_id'])
    op.create_table(
        'problem_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('tasks', sa.JSON(), nullable=False),
        sa.Column('estimated_minutes', sa.Integer(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('crew', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['problem_nodes.id'],
                                name=op.f('fk_problem_codes_category_id_problem_nodes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_codes')),
        sa.UniqueConstraint('code', name=op.f('uq_problem_codes_code')),
    )
    op.create_index(op.f('ix_problem_codes_category_id'), 'problem_codes', ['category_id'])
    op.create_table(
        'work_orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=True),
        sa.Column('problem_code_id', sa.Integer(), nullable=False),
        sa.Column('tasks', sa.JSON(), nullable=False),
        sa.Column('estimated_minutes', sa.Integer(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('crew', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('address_key', sa.String(length=300), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('external_ref', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['problem_code_id'], ['problem_codes.id'],
                                name=op.f('fk_work_orders_problem_code_id_problem_codes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
        sa.UniqueConstraint('number', name=op.f('uq_work_orders_number')),
    )
    op.create_index('ix_work_orders_code_address', 'work_orders',
                    ['problem_code_id', 'address_key'])
    op.create_index('ix_work_orders_code_latitude', 'work_orders',
                    ['problem_code_id', 'latitude'])
    op.create_index(op.f('ix_work_orders_state'), 'work_orders', ['state'])
    op.create_index(op.f('ix_work_orders_created_at'), 'work_orders', ['created_at'])
    op.create_table(
        'work_order_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('from_state', sa.String(length=20), nullable=True),
        sa.Column('to_state', sa.String(length=20), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], ondelete='CASCADE',
                                name=op.f('fk_work_order_history_work_order_id_work_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_history')),
    )
    op.create_index(op.f('ix_work_order_history_work_order_id'), 'work_order_history',
                    ['work_order_id'])


def downgrade() -> None:
    op.drop_table('work_order_history')
    op.drop_table('work_orders')
    op.drop_table('problem_codes')
    op.drop_table('problem_nodes')
