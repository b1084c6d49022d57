"""A price's natural key includes its effective start date: a price list imported ahead
of its month adds its rows beside today's instead of overwriting them, and the dates decide
which sells (catalog/effective.py). An undated row stays unique on the old key (a unique
key counts NULLs as distinct), and the start date is indexed for the rows announced for later.

Revision ID: 0042_price_effective_dates
Revises: 0041_renewed_term_price
Create Date: 2026-12-06 03:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0042_price_effective_dates'
down_revision = '0041_renewed_term_price'
branch_labels = None
depends_on = None

OLD_KEY = ['sku_id', 'term_duration', 'billing_cycle', 'market', 'currency', 'tier_min']


def upgrade():
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_prices_natural_key', type_='unique')
        batch_op.create_unique_constraint('uq_prices_natural_key',
                                          [*OLD_KEY, 'effective_start'])
    undated = sa.text('effective_start IS NULL')
    op.create_index('uq_prices_undated_key', 'prices', OLD_KEY, unique=True,
                    sqlite_where=undated, postgresql_where=undated)
    op.create_index('ix_prices_effective_start', 'prices', ['effective_start'])


def downgrade():
    # Fails while an offer holds two dated rows: drop the later ones first.
    op.drop_index('ix_prices_effective_start', table_name='prices')
    op.drop_index('uq_prices_undated_key', table_name='prices')
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_prices_natural_key', type_='unique')
        batch_op.create_unique_constraint('uq_prices_natural_key', OLD_KEY)
