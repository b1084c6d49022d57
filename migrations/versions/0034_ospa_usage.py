"""Indirect OSPA usage (#24, O5, O8): the customer's periodic usage notification per
enrollment, usage attributed to an account's subscription, and each subscription's status
(suspended, terminated or deprovisioned with its enrollment).

Revision ID: 0034_ospa_usage
Revises: 0033_ospa_roles
Create Date: 2026-12-05 03:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0034_ospa_usage'
down_revision = '0033_ospa_roles'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('usage_frequency', sa.String(length=10), nullable=True))
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_usage_records_subscription_id'),
                              ['subscription_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_usage_records_subscription_id_account_subscriptions'),
            'account_subscriptions', ['subscription_id'], ['id'])
    with op.batch_alter_table('account_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False,
                                      server_default='active'))
        batch_op.add_column(sa.Column('status_since', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('account_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('status_since')
        batch_op.drop_column('status')
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_usage_records_subscription_id_account_subscriptions'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_usage_records_subscription_id'))
        batch_op.drop_column('subscription_id')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('usage_frequency')
