"""What each catalog version changed: the products whose prices it changed, or everything,
so a worker's offer cards and market prices keep what a change did not touch
(catalog/changes.py, #27).

Revision ID: 0038_catalog_changes
Revises: 0037_catalog_listing_version
Create Date: 2026-12-05 22:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0038_catalog_changes'
down_revision = '0037_catalog_listing_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'catalog_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=True),
        sa.Column('everything', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_catalog_changes_version'), 'catalog_changes', ['version'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_catalog_changes_version'), table_name='catalog_changes')
    op.drop_table('catalog_changes')
