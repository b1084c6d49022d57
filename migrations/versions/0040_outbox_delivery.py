"""The outbox is delivered by Celery beat, so a row records its delivery: how many sends
failed, when the next may be tried, and until when a worker has claimed it.

Revision ID: 0040_outbox_delivery
Revises: 0039_append_only_truncate
Create Date: 2026-12-06 00:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0040_outbox_delivery'
down_revision = '0039_append_only_truncate'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('due_at')
        batch_op.drop_column('attempts')
