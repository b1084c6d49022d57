"""A price row the Partner Center sync stopped (its SKU has no purchasable availability in
the row's market, C3) is marked, so a later sync that finds the SKU purchasable again lists
exactly the rows it stopped and none the price list unlisted. Existing rows: not stopped.

Revision ID: 0056_sync_stopped_prices
Revises: 0055_subscription_order_lines
Create Date: 2026-12-08 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0056_sync_stopped_prices'
down_revision = '0055_subscription_order_lines'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sync_stopped', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.drop_column('sync_stopped')
