"""Each user's time zone (an IANA name) for the times pages show; NULL: the storefront's

Revision ID: 0021_user_time_zone
Revises: 0020_reconciliation
Create Date: 2026-12-06 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_user_time_zone'
down_revision = '0020_reconciliation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
