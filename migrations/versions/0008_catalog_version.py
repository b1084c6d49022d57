"""catalog version: one counter raised by every catalog write

Revision ID: 0008_catalog_version
Revises: 0007_subscriptions
Create Date: 2026-11-23 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_catalog_version'
down_revision = '0007_subscriptions'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('catalog_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('catalog_version')
