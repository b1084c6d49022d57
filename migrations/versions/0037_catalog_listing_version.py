"""The listing version: a second counter in catalog_version (id 2), raised only by writes
that change which products a listing shows (catalog/version.py, #27). Inserted here so two
first listing writes never race to insert it; it starts where the catalog version stands.

Revision ID: 0037_catalog_listing_version
Revises: 0036_subscription_facts_index
Create Date: 2026-12-05 09:20:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0037_catalog_listing_version'
down_revision = '0036_subscription_facts_index'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO catalog_version (id, value) "
               "SELECT 2, COALESCE(MAX(value), 0) FROM catalog_version WHERE id = 1 "
               "AND NOT EXISTS (SELECT 1 FROM catalog_version WHERE id = 2)")


def downgrade():
    op.execute("DELETE FROM catalog_version WHERE id = 2")
