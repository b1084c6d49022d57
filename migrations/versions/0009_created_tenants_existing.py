"""customers whose new tenant provisioning created are on an existing tenant

Revision ID: 0009_created_tenants_existing
Revises: 0008_catalog_version
Create Date: 2026-11-23 22:50:00.000000

Provisioning used to record the tenant it created for a "new tenant" customer without
switching the customer to "existing", so the next checkout asked whether the tenant's own
domain was free and refused with K4.domain_taken. Provisioning now switches it; this
mends the customers it left behind. Data only: downgrade has nothing to undo.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_created_tenants_existing'
down_revision = '0008_catalog_version'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE customers SET tenant_mode = 'existing' "
               "WHERE tenant_mode = 'new' AND tenant_id <> ''")


def downgrade():
    pass
