"""C3 from the price list apart from the admin's flag: products.end_of_sale, set by each
import when every SKU of the product in the file is tagged EndOfSale, and cleared by a
later list that sells one again. products.discontinued stays the admin's (and the Partner
Center sync's). A product an earlier import discontinued cannot be told from one the admin
did, so it stays discontinued until the admin clears it.

Revision ID: 0052_end_of_sale
Revises: 0048_renewed_term_plans
Create Date: 2026-12-08 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0052_end_of_sale'
down_revision = '0048_renewed_term_plans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_of_sale', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('end_of_sale')
