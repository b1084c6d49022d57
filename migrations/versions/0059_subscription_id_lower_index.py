"""O7: an index on lower(account_subscriptions.subscription_id), for the read of which
enrollment accounts hold an Azure subscription in any case (commitments.records.enrolled
holders: adding a subscription to an account, converting one). Without it that read scanned
every enrollment's subscriptions; the unique key on (account_id, subscription_id) leads with
the account, so it does not serve a read by id alone.

An expression index rather than lowering the stored ids: it finds rows kept in capitals
before ids were kept in lower case as they are, while lowering them could break the unique
key where one account holds an id twice in two cases (added before ids were compared without
regard to case). The same on SQLite (3.9 and later) and PostgreSQL. SQLite cannot reflect an
expression index: a later batch migration that recreates account_subscriptions must create
this index again.

Revision ID: 0059_subscription_id_lower_index
Revises: 0058_charges_period_index
Create Date: 2026-12-07 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0059_subscription_id_lower_index'
down_revision = '0058_charges_period_index'
branch_labels = None
depends_on = None

INDEX = 'ix_account_subscriptions_lower_subscription_id'


def upgrade():
    with op.batch_alter_table('account_subscriptions', schema=None) as batch_op:
        batch_op.create_index(INDEX, [sa.text('lower(subscription_id)')], unique=False)


def downgrade():
    with op.batch_alter_table('account_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
