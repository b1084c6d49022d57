"""A subscription keeps its line of its Partner Center order (lineItemNumber), so
cancelling perpetual software names that line alone in the order PATCH and leaves the
order's other lines (an Azure plan bought in the same cart) bought (S6). Older rows stay
NULL: their line is found in the order when they are cancelled.

Revision ID: 0055_subscription_order_lines
Revises: 0054_customer_active
Create Date: 2026-12-08 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0055_subscription_order_lines'
down_revision = '0054_customer_active'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pc_line_item_number', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('pc_line_item_number')
