"""S3/S5/S6: support requests for what cannot be cancelled online (refund reason, amount,
contact), with their status and the provider's answer.

Revision ID: 0030_support_requests
Revises: 0029_entitlements
Create Date: 2026-12-05 03:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030_support_requests'
down_revision = '0029_entitlements'
branch_labels = None
depends_on = None

INDEXED = ('subscription_id', 'customer_id', 'reseller_id', 'status')


def upgrade():
    op.create_table(
        'support_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('reseller_id', sa.Integer(), nullable=True),
        sa.Column('filed_by_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=4), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('contact_name', sa.String(length=120), nullable=False),
        sa.Column('contact_email', sa.String(length=254), nullable=False),
        sa.Column('contact_phone', sa.String(length=30), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                                name=op.f('fk_support_requests_subscription_id_subscriptions')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_support_requests_customer_id_customers')),
        sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'],
                                name=op.f('fk_support_requests_reseller_id_resellers')),
        sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'],
                                name=op.f('fk_support_requests_filed_by_id_users')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_support_requests_answered_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests')),
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_support_requests_{column}'), [column],
                                  unique=False)


def downgrade():
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        for column in reversed(INDEXED):
            batch_op.drop_index(batch_op.f(f'ix_support_requests_{column}'))
    op.drop_table('support_requests')
