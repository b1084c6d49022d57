"""Renewals (R1, R2, R5): scheduled next-term changes and suspension reasons on
subscriptions, the reminder setting, and the reminders sent.

Revision ID: 0024_renewals
Revises: 0023_billing_payments
Create Date: 2026-12-05 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_renewals'
down_revision = '0023_billing_payments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_term', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.Text(), nullable=False,
                                      server_default=''))
    op.create_table(
        'renewal_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reminder_days', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_settings')))
    op.create_table(
        'renewal_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('term_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('days_before', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                                name=op.f('fk_renewal_reminders_subscription_id_subscriptions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_reminders')),
        sa.UniqueConstraint('subscription_id', 'term_end', 'days_before',
                            name=op.f('uq_renewal_reminders_subscription_id')))
    with op.batch_alter_table('renewal_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_reminders_subscription_id'),
                              ['subscription_id'], unique=False)


def downgrade():
    with op.batch_alter_table('renewal_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_reminders_subscription_id'))
    op.drop_table('renewal_reminders')
    op.drop_table('renewal_settings')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('next_term')
