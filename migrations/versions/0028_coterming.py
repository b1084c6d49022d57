"""R6 co-terming: a cart line's and an order line's custom end date of the first term
(Partner Center's customTermEndDate), and the subscription the cart line aligns with.

Revision ID: 0028_coterming
Revises: 0027_operations
Create Date: 2026-12-05 02:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028_coterming'
down_revision = '0027_operations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('custom_term_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('coterm_subscription_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cart_lines_coterm_subscription_id_subscriptions'),
                                    'subscriptions', ['coterm_subscription_id'], ['id'])
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('custom_term_end', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('custom_term_end')
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cart_lines_coterm_subscription_id_subscriptions'),
                                 type_='foreignkey')
        batch_op.drop_column('coterm_subscription_id')
        batch_op.drop_column('custom_term_end')
