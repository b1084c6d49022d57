"""provisioning: the absolute target seat count of an add-licenses order line

Revision ID: 0005_provisioning
Revises: 0004_commitments
Create Date: 2026-11-23 14:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_provisioning'
down_revision = '0004_commitments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_quantity', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('target_quantity')
