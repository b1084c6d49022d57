"""Each renewed term keeps the plan (product and SKU) it had: a renewal may apply another
plan (R1/R4), so the reconciliation expects a term's charges at the price-list row of the
plan Microsoft renewed it on, not the plan the subscription holds today (B6). Terms kept
before have the subscription's plan filled in for its latest renewal only (the plan it
holds is the one that renewal applied); older ones stay NULL, read as the subscription's.

Revision ID: 0048_renewed_term_plans
Revises: 0047_billing_runs
Create Date: 2026-12-07 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0048_renewed_term_plans'
down_revision = '0047_billing_runs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscription_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pc_sku_id', sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_subscription_terms_product_id_products'), 'products',
            ['product_id'], ['id'])
    op.execute(sa.text(
        "UPDATE subscription_terms SET "
        "product_id = (SELECT s.product_id FROM subscriptions s "
        "WHERE s.id = subscription_terms.subscription_id), "
        "pc_sku_id = (SELECT s.pc_sku_id FROM subscriptions s "
        "WHERE s.id = subscription_terms.subscription_id) "
        "WHERE began_on = (SELECT s.renewed_on FROM subscriptions s "
        "WHERE s.id = subscription_terms.subscription_id)"))


def downgrade():
    with op.batch_alter_table('subscription_terms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_subscription_terms_product_id_products'),
                                 type_='foreignkey')
        batch_op.drop_column('pc_sku_id')
        batch_op.drop_column('product_id')
