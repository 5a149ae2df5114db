"""call-centre requests: the contact, the articles used, its history

Revision ID: 0021_service_requests
Revises: 0020_work_orders
"""

import sqlalchemy as sa
from alembic import op

revision = '0021_service_requests'
down_revision = '0020_work_orders'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'service_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=16), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('customer_user_id', sa.Integer(), nullable=True),
        sa.Column('caller_number', sa.String(length=16), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('call_ref', sa.String(length=200), nullable=True),
        sa.Column('queue_id', sa.String(length=64), nullable=True),
        sa.Column('problem_code_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('work_order_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_user_id'], ['customer_users.id'],
                                name=op.f('fk_service_requests_customer_user_id_customer_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'],
                                name=op.f('fk_service_requests_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['problem_code_id'], ['problem_codes.id'],
                                name=op.f('fk_service_requests_problem_code_id_problem_codes'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'],
                                name=op.f('fk_service_requests_work_order_id_work_orders'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requests')),
    )
    for column in ('type', 'customer_user_id', 'agent_id', 'problem_code_id',
                   'work_order_id', 'created_at'):
        op.create_index(op.f(f'ix_service_requests_{column}'), 'service_requests', [column])
    op.create_table(
        'service_request_articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'],
                                name=op.f('fk_service_request_articles_request_id_service_requests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'],
                                name=op.f('fk_service_request_articles_article_id_kb_articles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request_articles')),
        sa.UniqueConstraint('request_id', 'article_id',
                            name='uq_service_request_articles_request_article'),
    )
    op.create_index(op.f('ix_service_request_articles_request_id'),
                    'service_request_articles', ['request_id'])
    op.create_index(op.f('ix_service_request_articles_article_id'),
                    'service_request_articles', ['article_id'])
    op.create_table(
        'service_request_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('old', sa.String(length=200), nullable=False),
        sa.Column('new', sa.String(length=200), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'],
                                name=op.f('fk_service_request_history_request_id_service_requests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'],
                                name=op.f('fk_service_request_history_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request_history')),
    )
    op.create_index(op.f('ix_service_request_history_request_id'),
                    'service_request_history', ['request_id'])


def downgrade() -> None:
    op.drop_table('service_request_history')
    op.drop_table('service_request_articles')
    op.drop_table('service_requests')
