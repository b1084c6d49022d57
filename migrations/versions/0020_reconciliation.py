"""B6: reconciliation runs and the lines they found unmatched or different

Revision ID: 0020_reconciliation
Revises: 0019_billing
Create Date: 2026-12-05 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import persistence


# revision identifiers, used by Alembic.
revision = '0020_reconciliation'
down_revision = '0019_billing'
branch_labels = None
depends_on = None

MONEY = persistence.Money(precision=14, scale=4)


def upgrade():
    op.create_table('reconciliation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('invoice_ids', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=15), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('microsoft_lines', sa.Integer(), nullable=False),
    sa.Column('our_charges', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('unmatched_microsoft', sa.Integer(), nullable=False),
    sa.Column('unmatched_ours', sa.Integer(), nullable=False),
    sa.Column('different', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_reconciliation_runs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_runs'))
    )
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_runs_month'), ['month'], unique=False)

    op.create_table('reconciliation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('pc_subscription_id', sa.String(length=60), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('product', sa.String(length=300), nullable=False),
    sa.Column('charge_type', sa.String(length=30), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('quantity_ours', MONEY, nullable=True),
    sa.Column('quantity_microsoft', MONEY, nullable=True),
    sa.Column('amount_ours', MONEY, nullable=True),
    sa.Column('amount_microsoft', MONEY, nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_id', sa.String(length=30), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_runs.id'], name=op.f('fk_reconciliation_items_run_id_reconciliation_runs')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_reconciliation_items_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_items'))
    )
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_items_run_id'), ['run_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_items_run_id'))
    op.drop_table('reconciliation_items')
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_runs_month'))
    op.drop_table('reconciliation_runs')
