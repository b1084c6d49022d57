"""A customer can be deactivated: the provider stops a direct customer (fraud, unpaid
invoices) as it stops a reseller, its users shut out and its orders refused (K9). Every
customer there is stays active.

Revision ID: 0054_customer_active
Revises: 0053_key_identity
Create Date: 2026-12-07 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0054_customer_active'
down_revision = '0053_key_identity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('active')
