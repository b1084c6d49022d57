"""K5: each MCA ledger row records its seal (sha256 or hmac-sha256) and key id

Revision ID: 0018_mca_keyed_chain
Revises: 0017_security_lower
Create Date: 2026-12-06 10:00:00.000000

Rows already in the ledger keep their unkeyed SHA-256 and are marked "sha256": re-sealing
them would mean updating an append-only ledger, and would vouch for contents the key never
saw. The upgrade reports how many there are; set MCA_LEDGER_LEGACY_ROWS to that number so
`flask mca verify` accepts exactly those rows unkeyed.

Both columns are added with ALTER TABLE ... ADD COLUMN (no table rebuild), so the
append-only triggers stay in place and no row is updated.
"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_mca_keyed_chain'
down_revision = '0017_security_lower'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


def upgrade():
    op.add_column('mca_acceptances', sa.Column('hash_scheme', sa.String(length=20),
                                               nullable=False, server_default='sha256'))
    op.add_column('mca_acceptances', sa.Column('hash_key_id', sa.String(length=40),
                                               nullable=False, server_default=''))
    legacy = op.get_bind().scalar(sa.text('SELECT count(*) FROM mca_acceptances'))
    if legacy:
        log.warning('%d MCA ledger rows were sealed before the ledger was keyed: set '
                    'MCA_LEDGER_LEGACY_ROWS=%d so `flask mca verify` accepts them, and sign '
                    'a head now with `flask mca head`.', legacy, legacy)


def downgrade():
    # SQLite (3.35+) and PostgreSQL both drop a column in place; a batch rebuild would
    # lose the append-only triggers.
    op.drop_column('mca_acceptances', 'hash_key_id')
    op.drop_column('mca_acceptances', 'hash_scheme')
