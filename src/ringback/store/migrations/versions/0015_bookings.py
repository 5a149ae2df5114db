"""the booking bridge: locations, services (single and combined, global and
local), resources with weekly hours and dated exceptions, bookings and their
parts; customer users may belong to one location

Revision ID: 0015_bookings
Revises: 0014_helpdesk

On PostgreSQL the active parts of one resource may never overlap: an
exclusion constraint over ``tstzrange(starts_at, ends_at)`` (btree_gist for
the resource's equality), so two agents confirming the same slot at the same
moment cannot both win.
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_bookings'
down_revision = '0014_helpdesk'
branch_labels = None
depends_on = None


def _created() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        'locations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=500), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
        sa.UniqueConstraint('name', name=op.f('uq_locations_name')),
    )
    op.create_table(
        'services',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_services_location_id_locations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    )
    op.create_index(op.f('ix_services_location_id'), 'services', ['location_id'])
    op.create_table(
        'service_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('part_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_service_parts_service_id_services'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['part_id'], ['services.id'],
                                name=op.f('fk_service_parts_part_id_services')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_parts')),
        sa.UniqueConstraint('service_id', 'position', name='uq_service_parts_service_position'),
    )
    op.create_index(op.f('ix_service_parts_part_id'), 'service_parts', ['part_id'])
    op.create_table(
        'service_locations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_service_locations_service_id_services'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_service_locations_location_id_locations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_locations')),
        sa.UniqueConstraint('service_id', 'location_id',
                            name='uq_service_locations_service_location'),
    )
    op.create_index(op.f('ix_service_locations_location_id'), 'service_locations',
                    ['location_id'])
    op.create_table(
        'resources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('feed_token', sa.String(length=64), nullable=False),
        sa.Column('bookings_version', sa.Integer(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_resources_location_id_locations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resources')),
        sa.UniqueConstraint('feed_token', name=op.f('uq_resources_feed_token')),
    )
    op.create_index(op.f('ix_resources_location_id'), 'resources', ['location_id'])
    op.create_table(
        'resource_hours',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('start_minute', sa.Integer(), nullable=False),
        sa.Column('end_minute', sa.Integer(), nullable=False),
        sa.CheckConstraint('start_minute >= 0 AND end_minute <= 1440 '
                           'AND start_minute < end_minute',
                           name=op.f('ck_resource_hours_span')),
        sa.CheckConstraint('weekday >= 0 AND weekday <= 6',
                           name=op.f('ck_resource_hours_weekday')),
        sa.ForeignKeyConstraint(['resource_id'], ['resources.id'],
                                name=op.f('fk_resource_hours_resource_id_resources'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_hours')),
    )
    op.create_index(op.f('ix_resource_hours_resource_id'), 'resource_hours', ['resource_id'])
    op.create_table(
        'resource_exceptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('start_minute', sa.Integer(), nullable=True),
        sa.Column('end_minute', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['resource_id'], ['resources.id'],
                                name=op.f('fk_resource_exceptions_resource_id_resources'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_exceptions')),
    )
    op.create_index(op.f('ix_resource_exceptions_resource_id'), 'resource_exceptions',
                    ['resource_id'])
    with op.batch_alter_table('customer_users') as batch:
        batch.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_customer_users_location_id_locations'),
                                 'locations', ['location_id'], ['id'], ondelete='CASCADE')
        batch.create_index(op.f('ix_customer_users_location_id'), ['location_id'])
    op.create_table(
        'bookings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_user_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.String(length=2000), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('booked_by_agent_id', sa.Integer(), nullable=True),
        sa.Column('call_ref', sa.String(length=64), nullable=True),
        _created(),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['customer_user_id'], ['customer_users.id'],
                                name=op.f('fk_bookings_customer_user_id_customer_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_bookings_service_id_services')),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_bookings_location_id_locations')),
        sa.ForeignKeyConstraint(['booked_by_agent_id'], ['agents.id'],
                                name=op.f('fk_bookings_booked_by_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    )
    op.create_index(op.f('ix_bookings_customer_user_id'), 'bookings', ['customer_user_id'])
    op.create_index(op.f('ix_bookings_location_id'), 'bookings', ['location_id'])
    op.create_index(op.f('ix_bookings_starts_at'), 'bookings', ['starts_at'])
    op.create_index(op.f('ix_bookings_call_ref'), 'bookings', ['call_ref'])
    op.create_table(
        'booking_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'],
                                name=op.f('fk_booking_parts_booking_id_bookings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resource_id'], ['resources.id'],
                                name=op.f('fk_booking_parts_resource_id_resources')),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_booking_parts_service_id_services')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_parts')),
    )
    op.create_index(op.f('ix_booking_parts_booking_id'), 'booking_parts', ['booking_id'])
    op.create_index('ix_booking_parts_resource_starts', 'booking_parts',
                    ['resource_id', 'starts_at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute('ALTER TABLE booking_parts ADD CONSTRAINT ex_booking_parts_no_overlap '
                   'EXCLUDE USING gist (resource_id WITH =, '
                   "tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)")


def downgrade() -> None:
    op.drop_table('booking_parts')
    op.drop_table('bookings')
    with op.batch_alter_table('customer_users') as batch:
        batch.drop_index(op.f('ix_customer_users_location_id'))
        batch.drop_constraint(op.f('fk_customer_users_location_id_locations'),
                              type_='foreignkey')
        batch.drop_column('location_id')
    op.drop_table('resource_exceptions')
    op.drop_table('resource_hours')
    op.drop_table('resources')
    op.drop_table('service_locations')
    op.drop_table('service_parts')
    op.drop_table('services')
    op.drop_table('locations')
