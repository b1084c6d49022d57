"""Drop columns nothing writes since #27: orders.number (the number derives from the id;
the column held the same text) and the API tokens' rate-limit window (the limit moved off
the database: Redis at scale, a throttle file of its own on the embedded default).

Revision ID: 0035_drop_unused_columns
Revises: 0034_ospa_usage
Create Date: 2026-12-05 07:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0035_drop_unused_columns'
down_revision = '0034_ospa_usage'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_orders_number'), type_='unique')
        batch_op.drop_column('number')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('window_count')
        batch_op.drop_column('window_start')


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_start', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('window_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_orders_number'), ['number'])
