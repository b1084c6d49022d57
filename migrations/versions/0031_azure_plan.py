"""K12 Azure reservations: a cart line's and an order line's reservation scope (shared or
single) and the Azure subscription of the customer's Azure plan it applies to, sent to
Partner Center as the cart line's provisioningContext.

Revision ID: 0031_azure_plan
Revises: 0030_support_requests
Create Date: 2026-12-05 03:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031_azure_plan'
down_revision = '0030_support_requests'
branch_labels = None
depends_on = None

TABLES = ('cart_lines', 'order_lines')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('reservation_scope', sa.String(length=10),
                                          nullable=False, server_default=''))
            batch_op.add_column(sa.Column('azure_subscription_id', sa.String(length=36),
                                          nullable=False, server_default=''))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('azure_subscription_id')
            batch_op.drop_column('reservation_scope')
