"""Every renewed term of a subscription with the prices billing charges it, not only the
latest: a month billed after a later renewal is charged its own term's price (R1, B1).

Revision ID: 0044_renewed_terms
Revises: 0043_overage_settlement_option
Create Date: 2026-12-06 06:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import persistence

# revision identifiers, used by Alembic.
revision = '0044_renewed_terms'
down_revision = '0043_overage_settlement_option'
branch_labels = None
depends_on = None

MONEY = persistence.Money(precision=14, scale=4)


def upgrade():
    op.create_table(
        'subscription_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('began_on', sa.Date(), nullable=False),
        sa.Column('billing_cycle', sa.String(length=10), nullable=False),
        sa.Column('term_duration', sa.String(length=3), nullable=False),
        sa.Column('unit_price', MONEY, nullable=True),
        sa.Column('retail_unit_price', MONEY, nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                                name=op.f('fk_subscription_terms_subscription_id_subscriptions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_terms')),
        sa.UniqueConstraint('subscription_id', 'began_on',
                            name=op.f('uq_subscription_terms_subscription_id')),
    )
    # The latest renewal each subscription recorded is its only known renewed term; the
    # terms before it bill as bought, as they did.
    op.execute(
        "INSERT INTO subscription_terms (subscription_id, began_on, billing_cycle, "
        "term_duration, unit_price, retail_unit_price, recorded_at) "
        "SELECT id, renewed_on, billing_cycle, term_duration, renewed_unit_price, "
        "renewed_retail_unit_price, updated_at FROM subscriptions "
        "WHERE renewed_on IS NOT NULL")


def downgrade():
    op.drop_table('subscription_terms')
