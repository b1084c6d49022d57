"""C3 from two sources, each keeping its own word (catalog/importer.py, catalog/sync.py):
the price list's (prices.list_sells: the latest list sells the row, neither tagged
EndOfSale nor left out; products.list_ended: every SKU of it in the list is EndOfSale) and
Partner Center's sync's (sku_market_stops: the SKU was last found not purchasable in the
market; prices.sync_stopped; products.sync_ended). prices.listed and products.end_of_sale
stay what the shop and checkout read, derived from both: ended if either says so.

Existing rows: a row sells by the list when it is listed or only the sync stopped it (as
the importer read it until now); each SKU and market with a stopped row is stopped; a
product at end of sale cannot be told apart by source, so both sources hold it until each
says otherwise (the next list or sync that sells it lifts its own word only).

Revision ID: 0057_end_of_sale_sources
Revises: 0056_sync_stopped_prices
Create Date: 2026-12-07 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0057_end_of_sale_sources'
down_revision = '0056_sync_stopped_prices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sku_market_stops',
        sa.Column('sku_id', sa.Integer(), nullable=False),
        sa.Column('market', sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(['sku_id'], ['skus.id'], ),
        sa.PrimaryKeyConstraint('sku_id', 'market'),
    )
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_sells', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_ended', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('sync_ended', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE prices SET list_sells = (listed OR sync_stopped)")
    op.execute("INSERT INTO sku_market_stops (sku_id, market) SELECT DISTINCT sku_id, market "
               "FROM prices WHERE sync_stopped")
    op.execute("UPDATE products SET list_ended = end_of_sale, sync_ended = end_of_sale")


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('sync_ended')
        batch_op.drop_column('list_ended')
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.drop_column('list_sells')
    op.drop_table('sku_market_stops')
