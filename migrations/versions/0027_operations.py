"""Operations: each Celery task's last run per worker (the status page's heartbeats and
beat's last runs) and the latest Partner Center and Graph errors.

Revision ID: 0027_operations
Revises: 0026_accounts
Create Date: 2026-12-05 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_operations'
down_revision = '0026_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_runs',
        sa.Column('task', sa.String(length=100), nullable=False),
        sa.Column('hostname', sa.String(length=200), nullable=False),
        sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_state', sa.String(length=20), nullable=False),
        sa.Column('last_error', sa.String(length=300), nullable=False),
        sa.Column('runs', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('task', 'hostname', name=op.f('pk_task_runs')),
    )
    op.create_table(
        'upstream_errors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('upstream', sa.String(length=20), nullable=False),
        sa.Column('operation', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('request_id', sa.String(length=100), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_upstream_errors')),
    )
    with op.batch_alter_table('upstream_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upstream_errors_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('upstream_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upstream_errors_at'))
    op.drop_table('upstream_errors')
    op.drop_table('task_runs')
