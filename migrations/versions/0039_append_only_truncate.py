"""Append-only tables refuse TRUNCATE on PostgreSQL too: the row triggers of 0003 (the MCA
ledger) and 0019/0023 (billing records) refuse UPDATE and DELETE, but TRUNCATE fires no
row trigger, so the ledger's tail could be cut. A statement trigger per table closes it.
SQLite has no TRUNCATE (its unqualified DELETE fires the existing row triggers).

Revision ID: 0039_append_only_truncate
Revises: 0038_catalog_changes
Create Date: 2026-12-06 09:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0039_append_only_truncate'
down_revision = '0038_catalog_changes'
branch_labels = None
depends_on = None

# Each table with the trigger function its UPDATE/DELETE triggers already use (a copy:
# a migration must not change when persistence/append_only.py does).
TABLES = {
    "mca_acceptances": "refuse_ledger_change",
    "mca_attestations": "refuse_ledger_change",
    "charges": "refuse_billing_change",
    "invoices": "refuse_billing_change",
    "invoice_lines": "refuse_billing_change",
    "invoice_payments": "refuse_billing_change",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, function in TABLES.items():
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
