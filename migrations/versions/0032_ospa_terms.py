"""O6 the partner's terms: payment terms per enrollment (30 days as standard), the
partner's OSPA price list per meter with effective dates (price protection is computed from
it), and the VAT invoice (fapiao) the partner issues once an invoice is paid.

Revision ID: 0032_ospa_terms
Revises: 0031_azure_plan
Create Date: 2026-12-05 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import persistence

# revision identifiers, used by Alembic.
revision = '0032_ospa_terms'
down_revision = '0031_azure_plan'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_terms_days', sa.Integer(), nullable=False,
                                      server_default='30'))
    op.create_table(
        'ospa_prices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partner_reseller_id', sa.Integer(), nullable=True),
        sa.Column('meter', sa.String(length=120), nullable=False),
        sa.Column('unit_price', persistence.Money(precision=14, scale=4), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['partner_reseller_id'], ['resellers.id'],
                                name=op.f('fk_ospa_prices_partner_reseller_id_resellers')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_ospa_prices_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ospa_prices')),
    )
    with op.batch_alter_table('ospa_prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ospa_prices_partner_reseller_id'),
                              ['partner_reseller_id'], unique=False)
    op.create_table(
        'enrollment_vat_invoices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_invoice_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrollment_invoice_id'], ['enrollment_invoices.id'],
                                name=op.f('fk_enrollment_vat_invoices_enrollment_invoice_id_enrollment_invoices')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_enrollment_vat_invoices_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_vat_invoices')),
        sa.UniqueConstraint('enrollment_invoice_id',
                            name=op.f('uq_enrollment_vat_invoices_enrollment_invoice_id')),
    )


def downgrade():
    op.drop_table('enrollment_vat_invoices')
    with op.batch_alter_table('ospa_prices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ospa_prices_partner_reseller_id'))
    op.drop_table('ospa_prices')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('payment_terms_days')
