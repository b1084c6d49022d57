"""Invoice payments, the issuer and buyer as issued, and OSPA invoices as billing invoices

- invoice_payments: payments (and negative reversals) against invoices, append-only like
  the ledger (triggers refuse UPDATE and DELETE);
- invoices: the issuer's name, address and tax id and the buyer's tax id as they were at
  issue (the buyer's name and address were kept already);
- enrollment_invoices: each O6 invoice becomes a billing invoice (its number kept: it was
  sent under it; new ones take the partner's gap-free series), with one line, and a
  payment for one marked paid; the row keeps only its link (invoice_id) and what it bills.

Revision ID: 0023_billing_payments
Revises: 0022_catalog_jobs
Create Date: 2026-12-05 01:00:00.000000

"""
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from alembic import op
from flask import current_app
import sqlalchemy as sa

import persistence


# revision identifiers, used by Alembic.
revision = '0023_billing_payments'
down_revision = '0022_catalog_jobs'
branch_labels = None
depends_on = None

OLD_COLUMNS = ('number', 'issued_by', 'issued_on', 'due_on', 'amount_excl_tax', 'tax_rate',
               'paid_on')
FEN = Decimal('0.01')


def upgrade():
    for name, type_ in (('buyer_tax_id', sa.String(length=50)),
                        ('issuer_name', sa.String(length=200)),
                        ('issuer_address', sa.Text()),
                        ('issuer_tax_id', sa.String(length=50))):
        # A plain ADD COLUMN: a batch copy of the table would lose its triggers on SQLite.
        op.add_column('invoices', sa.Column(name, type_, nullable=False, server_default=''))

    op.create_table('invoice_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', persistence.Money(precision=14, scale=4), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_payments_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_invoice_payments_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_payments'))
    )
    with op.batch_alter_table('invoice_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_payments_invoice_id'), ['invoice_id'], unique=False)
    _immutable('invoice_payments')

    with op.batch_alter_table('enrollment_invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_id', sa.Integer(), nullable=True))
    _move_ospa_invoices()
    with op.batch_alter_table('enrollment_invoices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_enrollment_invoices_number', type_='unique')
        for name in OLD_COLUMNS:
            batch_op.drop_column(name)
        batch_op.alter_column('invoice_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_enrollment_invoices_invoice_id'), ['invoice_id'])
        batch_op.create_foreign_key(batch_op.f('fk_enrollment_invoices_invoice_id_invoices'), 'invoices', ['invoice_id'], ['id'])


def _immutable(table):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_billing_change()")
        return
    for action in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                   "BEGIN SELECT RAISE(ABORT, 'immutable billing record'); END")


def _tables():
    meta = sa.MetaData()
    money = persistence.Money(precision=14, scale=4)
    invoices = sa.Table(
        'invoices', meta, sa.Column('id', sa.Integer, primary_key=True),
        *(sa.Column(n, sa.String) for n in (
            'issuer', 'number', 'kind', 'billing_month', 'currency', 'tax_country',
            'tax_label', 'buyer_name', 'buyer_address', 'buyer_tax_id', 'issuer_name',
            'issuer_address', 'issuer_tax_id', 'note')),
        sa.Column('buyer_customer_id', sa.Integer), sa.Column('issue_date', sa.Date),
        sa.Column('due_date', sa.Date), sa.Column('payment_terms_days', sa.Integer),
        sa.Column('tax_rate', sa.Numeric(6, 4)), sa.Column('tax_inclusive', sa.Boolean),
        sa.Column('subtotal', money), sa.Column('tax', money), sa.Column('total', money),
        sa.Column('created_at', sa.DateTime(timezone=True)))
    lines = sa.Table(
        'invoice_lines', meta, sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('invoice_id', sa.Integer), sa.Column('customer_id', sa.Integer),
        *(sa.Column(n, sa.String) for n in ('customer_name', 'subscription_label',
                                            'description', 'charge_type')),
        sa.Column('period_start', sa.Date), sa.Column('period_end', sa.Date),
        sa.Column('quantity', sa.Integer), sa.Column('unit_price', money),
        sa.Column('amount', money), sa.Column('position', sa.Integer))
    payments = sa.Table(
        'invoice_payments', meta, sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('invoice_id', sa.Integer), sa.Column('amount', money),
        sa.Column('paid_on', sa.Date), sa.Column('method', sa.String),
        sa.Column('reference', sa.String), sa.Column('reason', sa.String),
        sa.Column('created_at', sa.DateTime(timezone=True)))
    return invoices, lines, payments


def _move_ospa_invoices():
    bind = op.get_bind()
    invoices, lines, payments = _tables()
    rows = bind.execute(sa.text(
        "SELECT ei.id, ei.number, ei.issued_by, ei.kind, ei.issued_on, ei.due_on, "
        "ei.amount_excl_tax, ei.tax_rate, ei.paid_on, ei.overage_month, e.number, "
        "e.customer_id, c.company_name, c.address_line1, c.address_line2, c.postal_code, "
        "c.city, c.region, c.country, c.tax_id, r.company_name "
        "FROM enrollment_invoices ei JOIN enrollments e ON e.id = ei.enrollment_id "
        "JOIN customers c ON c.id = e.customer_id "
        "LEFT JOIN resellers r ON 'reseller:' || r.id = ei.issued_by ORDER BY ei.id")).all()
    now = datetime.now(timezone.utc)
    for (link_id, number, issuer, kind, issued_on, due_on, amount, rate, paid_on, overage,
         enrollment, customer_id, name, line1, line2, postal, city, region, country, tax_id,
         reseller) in rows:
        issued_on, due_on = _day(issued_on), _day(due_on)
        amount, rate = Decimal(str(amount)), Decimal(str(rate))
        tax = (amount * rate).quantize(FEN, rounding=ROUND_HALF_UP)
        place = ' '.join(x for x in (postal, city) if x)
        invoice_id = bind.execute(invoices.insert().values(
            issuer=issuer, number=number, kind='invoice', buyer_customer_id=customer_id,
            billing_month=f"{_day(overage) if overage else issued_on:%Y-%m}", currency='CNY', issue_date=issued_on,
            due_date=due_on, payment_terms_days=(due_on - issued_on).days,
            tax_country='CN', tax_label='VAT', tax_rate=rate, tax_inclusive=False,
            subtotal=amount, tax=tax, total=amount + tax, buyer_name=name,
            buyer_address='\n'.join(x for x in (line1, line2, place, region, country) if x),
            buyer_tax_id=tax_id or '',
            issuer_name=reseller or current_app.config.get('PROVIDER_NAME', ''),
            issuer_address='', issuer_tax_id='',
            note=f"Indirect OSPA enrollment {enrollment} (O6).", created_at=now)
            .returning(invoices.c.id)).scalar_one()
        bind.execute(lines.insert().values(
            invoice_id=invoice_id, customer_id=customer_id, customer_name=name,
            subscription_label=f"Enrollment {enrollment}",
            description=f"{'Overage' if kind == 'overage' else 'Monetary commitment'}, "
                        f"enrollment {enrollment}",
            charge_type=kind, period_start=_day(overage) if overage else issued_on,
            period_end=_month_end(_day(overage)) if overage else issued_on, quantity=1,
            unit_price=amount, amount=amount, position=1))
        if paid_on is not None:
            bind.execute(payments.insert().values(
                invoice_id=invoice_id, amount=amount + tax, paid_on=_day(paid_on),
                method='other', reference='Marked paid before payments were recorded',
                reason='', created_at=now))
        bind.execute(sa.text("UPDATE enrollment_invoices SET invoice_id = :invoice "
                             "WHERE id = :link"), {"invoice": invoice_id, "link": link_id})


def _month_end(first):
    following = first.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def _day(value):
    """A Date column as SQLite's text or PostgreSQL's date."""
    return datetime.strptime(value, '%Y-%m-%d').date() if isinstance(value, str) else value


def downgrade():
    # The OSPA invoices stay in `invoices` (issued invoices are never deleted); the old
    # columns get their figures back from them.
    with op.batch_alter_table('enrollment_invoices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrollment_invoices_invoice_id_invoices'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_enrollment_invoices_invoice_id'), type_='unique')
        batch_op.add_column(sa.Column('number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('issued_by', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('amount_excl_tax', persistence.Money(precision=14, scale=4), nullable=True))
        batch_op.add_column(sa.Column('tax_rate', persistence.Money(precision=14, scale=4), nullable=True))
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
    op.execute(
        "UPDATE enrollment_invoices SET "
        "number = (SELECT number FROM invoices i WHERE i.id = invoice_id), "
        "issued_by = (SELECT issuer FROM invoices i WHERE i.id = invoice_id), "
        "issued_on = (SELECT issue_date FROM invoices i WHERE i.id = invoice_id), "
        "due_on = (SELECT due_date FROM invoices i WHERE i.id = invoice_id), "
        "amount_excl_tax = (SELECT subtotal FROM invoices i WHERE i.id = invoice_id), "
        "tax_rate = (SELECT tax_rate FROM invoices i WHERE i.id = invoice_id), "
        "paid_on = (SELECT max(paid_on) FROM invoice_payments p "
        "WHERE p.invoice_id = enrollment_invoices.invoice_id)")
    with op.batch_alter_table('enrollment_invoices', schema=None) as batch_op:
        money = persistence.Money(precision=14, scale=4)
        for name, type_ in (('number', sa.String(length=40)), ('issued_by', sa.String(length=40)),
                            ('issued_on', sa.Date()), ('due_on', sa.Date()),
                            ('amount_excl_tax', money), ('tax_rate', money)):
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.drop_column('invoice_id')
        batch_op.create_unique_constraint('uq_enrollment_invoices_number', ['number'])
    with op.batch_alter_table('invoice_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_payments_invoice_id'))
    op.drop_table('invoice_payments')  # its triggers go with it
    for name in ('issuer_tax_id', 'issuer_address', 'issuer_name', 'buyer_tax_id'):
        op.drop_column('invoices', name)
