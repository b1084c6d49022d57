"""partner center imports: runs of the import of an existing customer base

Revision ID: 0010_partner_center_imports
Revises: 0009_created_tenants_existing
Create Date: 2026-12-04 18:40:00.000000

One row per run of `flask partner-center import` or the admin page's button: its state,
heartbeat, pages and customers read, and the summary. The unique `running` column (1 while
running, NULL afterwards) lets only one run be running at a time, on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_partner_center_imports'
down_revision = '0009_created_tenants_existing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_center_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('running', sa.Integer(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('customers_read', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_partner_center_imports_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_center_imports')),
    sa.UniqueConstraint('running', name=op.f('uq_partner_center_imports_running'))
    )


def downgrade():
    op.drop_table('partner_center_imports')
