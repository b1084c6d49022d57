"""The Azure usage Microsoft has rated this billing period and not invoiced yet, per
customer and Azure subscription, as last read: the Azure plan page's estimate (B1).

Revision ID: 0045_azure_usage_to_date
Revises: 0044_renewed_terms
Create Date: 2026-12-06 22:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

import persistence

# revision identifiers, used by Alembic.
revision = '0045_azure_usage_to_date'
down_revision = '0044_renewed_terms'
branch_labels = None
depends_on = None

MONEY = persistence.Money(precision=14, scale=4)


def upgrade():
    op.create_table(
        'azure_usage_to_date',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('entitlement_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('cost', MONEY, nullable=False),
        sa.Column('listed', MONEY, nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_azure_usage_to_date_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_azure_usage_to_date')),
        sa.UniqueConstraint('customer_id', 'entitlement_id', 'currency',
                            name=op.f('uq_azure_usage_to_date_customer_id')),
    )
    with op.batch_alter_table('azure_usage_to_date', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_azure_usage_to_date_customer_id'),
                              ['customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('azure_usage_to_date', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_azure_usage_to_date_customer_id'))
    op.drop_table('azure_usage_to_date')
