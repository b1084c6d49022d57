"""Indirect OSPA roles and Org IDs (O7), renewal enrollments (O9) and one-way subscription
conversion: departments, administrators (Enterprise, Department, Account Owner and co-admins,
Service), an account's department and ownership confirmation, a subscription's conversion,
and the enrollment a renewal renews.

Revision ID: 0033_ospa_roles
Revises: 0032_ospa_terms
Create Date: 2026-12-05 03:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0033_ospa_roles'
down_revision = '0032_ospa_terms'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'enrollment_departments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'],
                                name=op.f('fk_enrollment_departments_enrollment_id_enrollments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_departments')),
        sa.UniqueConstraint('enrollment_id', 'name',
                            name=op.f('uq_enrollment_departments_enrollment_id')),
    )
    with op.batch_alter_table('enrollment_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_departments_enrollment_id'),
                              ['enrollment_id'], unique=False)
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_enrollments_renewal_of_id_enrollments'),
                                    'enrollments', ['renewal_of_id'], ['id'])
    with op.batch_alter_table('enrollment_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('invited_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ownership_confirmed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ownership_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_enrollment_accounts_department_id_enrollment_departments'),
            'enrollment_departments', ['department_id'], ['id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_enrollment_accounts_ownership_confirmed_by_id_users'),
            'users', ['ownership_confirmed_by_id'], ['id'])
    with op.batch_alter_table('account_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('converted_from', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('converted_on', sa.Date(), nullable=True))
    op.create_table(
        'enrollment_administrators',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=30), nullable=False),
        sa.Column('org_id', sa.String(length=254), nullable=False),
        sa.Column('primary', sa.Boolean(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('subscription_id', sa.String(length=64), nullable=True),
        sa.Column('added_by', sa.String(length=254), nullable=True),
        sa.Column('added_by_user_id', sa.Integer(), nullable=True),
        sa.Column('added_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['account_id'], ['enrollment_accounts.id'],
            name=op.f('fk_enrollment_administrators_account_id_enrollment_accounts')),
        sa.ForeignKeyConstraint(['added_by_user_id'], ['users.id'],
                                name=op.f('fk_enrollment_administrators_added_by_user_id_users')),
        sa.ForeignKeyConstraint(
            ['department_id'], ['enrollment_departments.id'],
            name=op.f('fk_enrollment_administrators_department_id_enrollment_departments')),
        sa.ForeignKeyConstraint(
            ['enrollment_id'], ['enrollments.id'],
            name=op.f('fk_enrollment_administrators_enrollment_id_enrollments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_administrators')),
    )
    with op.batch_alter_table('enrollment_administrators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_administrators_enrollment_id'),
                              ['enrollment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('enrollment_administrators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_administrators_enrollment_id'))
    op.drop_table('enrollment_administrators')
    with op.batch_alter_table('account_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('converted_on')
        batch_op.drop_column('converted_from')
    with op.batch_alter_table('enrollment_accounts', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_enrollment_accounts_ownership_confirmed_by_id_users'),
            type_='foreignkey')
        batch_op.drop_constraint(
            batch_op.f('fk_enrollment_accounts_department_id_enrollment_departments'),
            type_='foreignkey')
        batch_op.drop_column('ownership_confirmed_by_id')
        batch_op.drop_column('ownership_confirmed_on')
        batch_op.drop_column('invited_on')
        batch_op.drop_column('department_id')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrollments_renewal_of_id_enrollments'),
                                 type_='foreignkey')
        batch_op.drop_column('renewal_of_id')
    with op.batch_alter_table('enrollment_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_departments_enrollment_id'))
    op.drop_table('enrollment_departments')
