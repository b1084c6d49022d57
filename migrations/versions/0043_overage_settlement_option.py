"""An overage settlement records its option (pay or offset), and each offset of a month's
overage by an annual or additional order with the credit note it took (O2, O3, O5, O8).

Revision ID: 0043_overage_settlement_option
Revises: 0042_price_effective_dates
Create Date: 2026-12-06 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import persistence

# revision identifiers, used by Alembic.
revision = '0043_overage_settlement_option'
down_revision = '0042_price_effective_dates'
branch_labels = None
depends_on = None

MONEY = persistence.Money(precision=14, scale=4)


def upgrade():
    with op.batch_alter_table('overage_settlements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('option', sa.String(length=10), nullable=True))
    op.create_table(
        'overage_offsets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('settlement_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('amount_excl_tax', MONEY, nullable=False),
        sa.Column('offset_on', sa.Date(), nullable=False),
        sa.Column('credit_note_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['settlement_id'], ['overage_settlements.id'],
                                name=op.f('fk_overage_offsets_settlement_id_overage_settlements')),
        sa.ForeignKeyConstraint(['order_id'], ['commitment_orders.id'],
                                name=op.f('fk_overage_offsets_order_id_commitment_orders')),
        sa.ForeignKeyConstraint(['credit_note_id'], ['invoices.id'],
                                name=op.f('fk_overage_offsets_credit_note_id_invoices')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_overage_offsets_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_overage_offsets')),
    )
    with op.batch_alter_table('overage_offsets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_overage_offsets_settlement_id'), ['settlement_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_overage_offsets_order_id'), ['order_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('overage_offsets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_overage_offsets_order_id'))
        batch_op.drop_index(batch_op.f('ix_overage_offsets_settlement_id'))
    op.drop_table('overage_offsets')
    with op.batch_alter_table('overage_settlements', schema=None) as batch_op:
        batch_op.drop_column('option')
