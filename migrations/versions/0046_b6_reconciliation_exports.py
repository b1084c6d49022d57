"""B6: a reconciliation run waits for Microsoft's exports in a worker and keeps each
export's operation, so a later step polls the same one instead of asking anew.

Revision ID: 0046_b6_reconciliation_exports
Revises: 0045_azure_usage_to_date
Create Date: 2026-12-07 03:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0046_b6_reconciliation_exports'
down_revision = '0045_azure_usage_to_date'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exports', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('phase', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('polls', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('next_poll_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('nudged_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.drop_column('nudged_at')
        batch_op.drop_column('next_poll_at')
        batch_op.drop_column('polls')
        batch_op.drop_column('phase')
        batch_op.drop_column('exports')
