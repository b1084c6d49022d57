"""K9 reseller tenant ids and K11 tenant ownership

Revision ID: 0011_tenant_ownership
Revises: 0010_partner_center_imports
Create Date: 2026-12-04 19:00:00.000000

Resellers keep their Microsoft tenant id and whether Partner Center lists them as the
provider's indirect reseller (K9). Customers record how control of their existing tenant
was shown (K11). Tenants the storefront itself created are proven by that: the orders
that created them name them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_tenant_ownership'
down_revision = '0010_partner_center_imports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resellers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tenant_id', sa.String(length=36), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('listed', sa.Boolean(), nullable=True))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tenant_verified_by', sa.String(length=20),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('tenant_verified_for', sa.String(length=255),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('tenant_verified_at', sa.DateTime(timezone=True),
                                      nullable=True))
    # Tenants our provisioning created: an order of this customer for a new tenant names it.
    op.execute(
        "UPDATE customers SET tenant_verified_by = 'created', "
        "tenant_verified_for = lower(tenant_id), tenant_verified_at = CURRENT_TIMESTAMP "
        "WHERE tenant_id <> '' AND EXISTS (SELECT 1 FROM orders WHERE "
        "orders.customer_id = customers.id AND orders.tenant_mode = 'new' "
        "AND lower(orders.pc_customer_id) = lower(customers.tenant_id))")


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('tenant_verified_at')
        batch_op.drop_column('tenant_verified_for')
        batch_op.drop_column('tenant_verified_by')
    with op.batch_alter_table('resellers', schema=None) as batch_op:
        batch_op.drop_column('listed')
        batch_op.drop_column('tenant_id')
