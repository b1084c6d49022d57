"""A renewed subscription is billed at its renewed term's price: the day the latest
renewal began, and the term's buyer and retail unit prices the sync recorded then (R1, B1).

Revision ID: 0041_renewed_term_price
Revises: 0040_outbox_delivery
Create Date: 2026-12-06 01:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

import persistence

# revision identifiers, used by Alembic.
revision = '0041_renewed_term_price'
down_revision = '0040_outbox_delivery'
branch_labels = None
depends_on = None

MONEY = persistence.Money(precision=14, scale=4)


def upgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('renewed_unit_price', MONEY, nullable=True))
        batch_op.add_column(sa.Column('renewed_retail_unit_price', MONEY, nullable=True))


def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('renewed_retail_unit_price')
        batch_op.drop_column('renewed_unit_price')
        batch_op.drop_column('renewed_on')
