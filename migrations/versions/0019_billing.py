"""B1–B5: the charge ledger, tax rates, invoice numbering, invoices, billing runs

Charges, invoices and invoice lines are immutable: triggers refuse UPDATE and DELETE.

Revision ID: 0019_billing
Revises: 0018_mca_keyed_chain
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import persistence


# revision identifiers, used by Alembic.
revision = '0019_billing'
down_revision = '0018_mca_keyed_chain'
branch_labels = None
depends_on = None

MONEY = persistence.Money(precision=14, scale=4)
IMMUTABLE_TABLES = ("charges", "invoices", "invoice_lines")


def upgrade():
    op.create_table('charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('buyer_reseller_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('order_line_id', sa.Integer(), nullable=True),
    sa.Column('pc_subscription_id', sa.String(length=60), nullable=False),
    sa.Column('charge_type', sa.String(length=30), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', MONEY, nullable=False),
    sa.Column('retail_unit_price', MONEY, nullable=True),
    sa.Column('effective_unit_price', MONEY, nullable=False),
    sa.Column('amount', MONEY, nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('market', sa.String(length=2), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('billing_month', sa.String(length=7), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_reseller_id'], ['resellers.id'], name=op.f('fk_charges_buyer_reseller_id_resellers')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_charges_customer_id_customers')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_charges_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charges')),
    sa.UniqueConstraint('source', name=op.f('uq_charges_source'))
    )
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charges_billing_month'), ['billing_month'], unique=False)
        batch_op.create_index(batch_op.f('ix_charges_buyer_reseller_id'), ['buyer_reseller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charges_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charges_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('tax_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('inclusive', sa.Boolean(), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_rates')),
    sa.UniqueConstraint('country', name=op.f('uq_tax_rates_country'))
    )
    op.create_table('invoice_sequences',
    sa.Column('issuer', sa.String(length=40), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('issuer', name=op.f('pk_invoice_sequences'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('corrects_invoice_id', sa.Integer(), nullable=True),
    sa.Column('run_key', sa.String(length=120), nullable=True),
    sa.Column('buyer_reseller_id', sa.Integer(), nullable=True),
    sa.Column('buyer_customer_id', sa.Integer(), nullable=True),
    sa.Column('billing_month', sa.String(length=7), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('tax_country', sa.String(length=2), nullable=False),
    sa.Column('tax_label', sa.String(length=20), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('tax_inclusive', sa.Boolean(), nullable=False),
    sa.Column('subtotal', MONEY, nullable=False),
    sa.Column('tax', MONEY, nullable=False),
    sa.Column('total', MONEY, nullable=False),
    sa.Column('buyer_name', sa.String(length=200), nullable=False),
    sa.Column('buyer_address', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(buyer_reseller_id IS NULL) <> (buyer_customer_id IS NULL)', name=op.f('ck_invoices_one_buyer')),
    sa.ForeignKeyConstraint(['buyer_customer_id'], ['customers.id'], name=op.f('fk_invoices_buyer_customer_id_customers')),
    sa.ForeignKeyConstraint(['buyer_reseller_id'], ['resellers.id'], name=op.f('fk_invoices_buyer_reseller_id_resellers')),
    sa.ForeignKeyConstraint(['corrects_invoice_id'], ['invoices.id'], name=op.f('fk_invoices_corrects_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('issuer', 'number', name=op.f('uq_invoices_issuer')),
    sa.UniqueConstraint('run_key', name=op.f('uq_invoices_run_key'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_billing_month'), ['billing_month'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_buyer_customer_id'), ['buyer_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_buyer_reseller_id'), ['buyer_reseller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_corrects_invoice_id'), ['corrects_invoice_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('subscription_label', sa.String(length=300), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('charge_type', sa.String(length=30), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', MONEY, nullable=False),
    sa.Column('amount', MONEY, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['charge_id'], ['charges.id'], name=op.f('fk_invoice_lines_charge_id_charges')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_invoice_lines_customer_id_customers')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('charge_id', name=op.f('uq_invoice_lines_charge_id'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('billing_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('charges_added', sa.Integer(), nullable=False),
    sa.Column('invoices_issued', sa.Integer(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_billing_runs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_runs'))
    )
    with op.batch_alter_table('billing_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_runs_month'), ['month'], unique=False)

    # B2/B3: what billing needs to charge a seat change or a cancellation (the quote).
    with op.batch_alter_table('subscription_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=False, server_default='{}'))

    create_immutability_triggers()


def create_immutability_triggers():
    """B3/B4: charges and issued invoices refuse UPDATE and DELETE in the database too."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION refuse_billing_change() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION 'immutable billing record'; END $$ LANGUAGE plpgsql")
        for table in IMMUTABLE_TABLES:
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION refuse_billing_change()")
        return
    for table in IMMUTABLE_TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       "BEGIN SELECT RAISE(ABORT, 'immutable billing record'); END")


def downgrade():
    # Dropping a table drops its triggers (SQLite and PostgreSQL alike).
    with op.batch_alter_table('subscription_events', schema=None) as batch_op:
        batch_op.drop_column('data')
    with op.batch_alter_table('billing_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_runs_month'))
    op.drop_table('billing_runs')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))
    op.drop_table('invoice_lines')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_corrects_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_buyer_reseller_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_buyer_customer_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_billing_month'))
    op.drop_table('invoices')
    op.drop_table('invoice_sequences')
    op.drop_table('tax_rates')
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charges_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_charges_customer_id'))
        batch_op.drop_index(batch_op.f('ix_charges_buyer_reseller_id'))
        batch_op.drop_index(batch_op.f('ix_charges_billing_month'))
    op.drop_table('charges')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS refuse_billing_change()")
