"""B4: a billing run counts the credit notes it issues (billing.corrections) beside its
invoices, and keeps the last day it charged in full, so the next run charges what happened
after a month billed before it ended (billing.runs). Runs recorded before count no credit
note (they did not count them) and have no such day (the next run adds nothing for them).

Revision ID: 0047_billing_runs
Revises: 0046_b6_reconciliation_exports
Create Date: 2026-12-07 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0047_billing_runs'
down_revision = '0046_b6_reconciliation_exports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('billing_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_notes_issued', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('charged_through', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('billing_runs', schema=None) as batch_op:
        batch_op.drop_column('charged_through')
        batch_op.drop_column('credit_notes_issued')
