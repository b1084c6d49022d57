"""S2: the mirror keeps Partner Center's refundableQuantity per addition

Revision ID: 0014_refundable_seats
Revises: 0013_tenant_sign_ins
Create Date: 2026-12-04 20:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_refundable_seats'
down_revision = '0013_tenant_sign_ins'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refundable', sa.Text(), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('refundable')
