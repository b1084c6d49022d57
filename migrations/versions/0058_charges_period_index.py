"""B6: an index on charges (period_start, billing_month) for the reconciliation's read of
the charges later months billed whose period begins in the month reconciled
(billing.late_billed.billed_later). Without it that read scans the ledger for an old month
(PostgreSQL) or for any month (SQLite): billing_month's own index narrows a range of later
months only, all of them for an old month.

Revision ID: 0058_charges_period_index
Revises: 0057_end_of_sale_sources
Create Date: 2026-12-08 14:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0058_charges_period_index'
down_revision = '0057_end_of_sale_sources'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.create_index('ix_charges_period_start_billing_month',
                              ['period_start', 'billing_month'], unique=False)


def downgrade():
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.drop_index('ix_charges_period_start_billing_month')
