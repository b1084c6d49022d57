"""The subscriptions' customer index carries what checkout reads of them, on PostgreSQL
(INCLUDE), so a customer with many subscriptions is read from the index alone (#27).
SQLite has no INCLUDE: its index stays as it is.

Revision ID: 0036_subscription_facts_index
Revises: 0035_drop_unused_columns
Create Date: 2026-12-05 07:50:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0036_subscription_facts_index'
down_revision = '0035_drop_unused_columns'
branch_labels = None
depends_on = None

FACTS = ["id", "pc_subscription_id", "pc_product_id", "pc_sku_id", "family", "billing_cycle",
         "term_duration", "status", "partner_id"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_subscriptions_customer_id", table_name="subscriptions")
    op.create_index("ix_subscriptions_customer_id", "subscriptions", ["customer_id"],
                    postgresql_include=FACTS)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_subscriptions_customer_id", table_name="subscriptions")
    op.create_index("ix_subscriptions_customer_id", "subscriptions", ["customer_id"])
