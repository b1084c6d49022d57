"""Catalog jobs: price-list uploads and Partner Center syncs started from the admin's pages,
with their status, progress and line-numbered error report

Revision ID: 0022_catalog_jobs
Revises: 0021_user_time_zone
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_catalog_jobs'
down_revision = '0021_user_time_zone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'catalog_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('phase', sa.String(length=120), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('processed', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('market', sa.String(length=2), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('errors', sa.Text(), nullable=False),
        sa.Column('error_count', sa.Integer(), nullable=False),
        sa.Column('failure', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_catalog_jobs_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_jobs')),
    )
    with op.batch_alter_table('catalog_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_jobs_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('catalog_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_jobs_status'))
    op.drop_table('catalog_jobs')
