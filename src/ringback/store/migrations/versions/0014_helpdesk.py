"""tickets grow into a helpdesk: number, state, queue, owner, lock, priority,
customer, pending time, escalation times; article kinds; history; queue SLAs;
agents' ticket queues

Revision ID: 0014_helpdesk
Revises: 0002_tickets, 0012_agent_ids, 0013_customers

Existing tickets keep their rows: ``state`` comes from the old ``status``
(open -> open, pending -> pending reminder with pending_until now, solved ->
closed successful), ``number`` is the creation day and the id, existing
comments become internal or public notes (``kind`` note).
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_helpdesk'
down_revision = ('0002_tickets', '0012_agent_ids', '0013_customers')
branch_labels = None
depends_on = None

_STATES = ("'new', 'open', 'pending reminder', 'pending auto-close', 'closed successful', "
           "'closed unsuccessful'")


def _when(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('number', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('state', sa.String(length=30), nullable=False,
                                   server_default='new'))
        batch.add_column(sa.Column('queue', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('priority', sa.Integer(), nullable=False,
                                   server_default='3'))
        for name, table in (('owner_agent_id', 'agents'), ('locked_by_agent_id', 'agents'),
                            ('customer_id', 'customers'),
                            ('customer_user_id', 'customer_users')):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
            batch.create_foreign_key(op.f(f'fk_tickets_{name}_{table}'), table, [name], ['id'],
                                     ondelete='SET NULL')
            batch.create_index(op.f(f'ix_tickets_{name}'), [name])
        for name in ('pending_until', 'first_response_at', 'first_response_due',
                     'update_due', 'solution_due'):
            batch.add_column(_when(name))
        batch.create_unique_constraint(op.f('uq_tickets_number'), ['number'])
        batch.create_index(op.f('ix_tickets_state'), ['state'])
        batch.create_index(op.f('ix_tickets_queue'), ['queue'])
        batch.create_check_constraint(op.f('ck_tickets_state'), f"state IN ({_STATES})")
        batch.create_check_constraint(op.f('ck_tickets_priority'), "priority BETWEEN 1 AND 5")

    tickets = sa.table('tickets', sa.column('id', sa.Integer), sa.column('status', sa.String),
                       sa.column('state', sa.String), sa.column('number', sa.String),
                       sa.column('created_at', sa.DateTime(timezone=True)),
                       sa.column('pending_until', sa.DateTime(timezone=True)))
    bind = op.get_bind()
    for state, status in (('open', 'open'), ('pending reminder', 'pending'),
                          ('closed successful', 'solved')):
        values: dict[str, object] = {'state': state}
        if status == 'pending':
            values['pending_until'] = tickets.c.created_at
        bind.execute(tickets.update().where(tickets.c.status == status).values(**values))
    for row in bind.execute(sa.select(tickets.c.id, tickets.c.created_at)).all():
        day = row.created_at.strftime('%Y%m%d') if row.created_at else '00000000'
        bind.execute(tickets.update().where(tickets.c.id == row.id)
                     .values(number=f"{day}{row.id:05d}"))

    with op.batch_alter_table('ticket_comments') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=10), nullable=False,
                                   server_default='note'))
        batch.add_column(sa.Column('author_agent_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_ticket_comments_author_agent_id_agents'), 'agents',
                                 ['author_agent_id'], ['id'], ondelete='SET NULL')

    op.create_table(
        'ticket_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_ticket_history_ticket_id_tickets'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'],
                                name=op.f('fk_ticket_history_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_history')),
    )
    op.create_index('ix_ticket_history_ticket_id_id', 'ticket_history', ['ticket_id', 'id'])
    op.create_table(
        'queue_slas',
        sa.Column('queue_id', sa.String(length=64), nullable=False),
        sa.Column('first_response_minutes', sa.Integer(), nullable=True),
        sa.Column('update_minutes', sa.Integer(), nullable=True),
        sa.Column('solution_minutes', sa.Integer(), nullable=True),
        sa.Column('time_zone', sa.String(length=64), nullable=True),
        sa.Column('business_hours', sa.JSON(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('queue_id', name=op.f('pk_queue_slas')),
    )
    op.create_table(
        'agent_ticket_queues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('queue_id', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'],
                                name=op.f('fk_agent_ticket_queues_agent_id_agents'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_ticket_queues')),
        sa.UniqueConstraint('agent_id', 'queue_id', name='uq_agent_ticket_queues_agent_queue'),
    )
    op.create_index(op.f('ix_agent_ticket_queues_agent_id'), 'agent_ticket_queues',
                    ['agent_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_agent_ticket_queues_agent_id'), table_name='agent_ticket_queues')
    op.drop_table('agent_ticket_queues')
    op.drop_table('queue_slas')
    op.drop_index('ix_ticket_history_ticket_id_id', table_name='ticket_history')
    op.drop_table('ticket_history')
    with op.batch_alter_table('ticket_comments') as batch:
        batch.drop_constraint(op.f('fk_ticket_comments_author_agent_id_agents'),
                              type_='foreignkey')
        batch.drop_column('author_agent_id')
        batch.drop_column('kind')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint(op.f('ck_tickets_priority'), type_='check')
        batch.drop_constraint(op.f('ck_tickets_state'), type_='check')
        batch.drop_index(op.f('ix_tickets_queue'))
        batch.drop_index(op.f('ix_tickets_state'))
        batch.drop_constraint(op.f('uq_tickets_number'), type_='unique')
        for name in ('solution_due', 'update_due', 'first_response_due', 'first_response_at',
                     'pending_until'):
            batch.drop_column(name)
        for name, table in (('customer_user_id', 'customer_users'),
                            ('customer_id', 'customers'),
                            ('locked_by_agent_id', 'agents'), ('owner_agent_id', 'agents')):
            batch.drop_index(op.f(f'ix_tickets_{name}'))
            batch.drop_constraint(op.f(f'fk_tickets_{name}_{table}'), type_='foreignkey')
            batch.drop_column(name)
        batch.drop_column('priority')
        batch.drop_column('queue')
        batch.drop_column('state')
        batch.drop_column('number')
