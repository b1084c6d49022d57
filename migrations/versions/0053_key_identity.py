"""S7: each live product key or download is recorded once. software_keys gains
identity_digest, a keyed digest (HMAC-SHA256, subscriptions.sealed) of its subscription,
entitlement, key, link and choices, under a key derived from PRODUCT_KEY_ENCRYPTION_KEY as
the environment gives it at upgrade time (its first key); a partial unique index over it,
where the key is not revoked (the same on SQLite and PostgreSQL), refuses a second copy.

Existing rows get their digest. Where one live key was recorded more than once (a CSV
imported twice, a resubmitted form), the oldest (earliest issued, then lowest id) is kept:
the reveals and downloads logged against a later copy are moved to it, and the copies are
deleted (they held the same key, link and choices; the subscription's history keeps its
"key recorded" notes). Revoked rows are left as they are. The downgrade drops the index and
the column; the deleted copies are not brought back.

Revision ID: 0053_key_identity
Revises: 0052_end_of_sale
Create Date: 2026-12-08 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from config.credentials import product_key_cipher
from subscriptions.sealed import key_identity_digest

# revision identifiers, used by Alembic.
revision = '0053_key_identity'
down_revision = '0052_end_of_sale'
branch_labels = None
depends_on = None

LIVE = 'revoked_at IS NULL'


def upgrade():
    with op.batch_alter_table('software_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_digest', sa.String(length=64), nullable=True))
    _digest_and_deduplicate(op.get_bind())
    with op.batch_alter_table('software_keys', schema=None) as batch_op:
        batch_op.alter_column('identity_digest', existing_type=sa.String(length=64),
                              nullable=False)
    op.create_index('uq_software_keys_identity', 'software_keys', ['identity_digest'],
                    unique=True, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade():
    op.drop_index('uq_software_keys_identity', table_name='software_keys')
    with op.batch_alter_table('software_keys', schema=None) as batch_op:
        batch_op.drop_column('identity_digest')


def _digest_and_deduplicate(conn):
    setting = current_app.config['PRODUCT_KEY_ENCRYPTION_KEY']
    cipher = product_key_cipher(current_app.config)
    rows = conn.execute(sa.text(
        'SELECT id, subscription_id, entitlement_id, product_key, download_url, version, '
        'language, file_type, os, revoked_at FROM software_keys ORDER BY issued_at, id')).all()
    kept = {}  # digest -> id of the oldest live row
    for row in rows:
        key = cipher.decrypt(row.product_key.encode()).decode()
        digest = key_identity_digest(setting, (
            row.subscription_id, row.entitlement_id, key, row.download_url or '',
            row.version or '', row.language or '', row.file_type or '', row.os or ''))
        if row.revoked_at is None and digest in kept:
            conn.execute(sa.text('UPDATE key_access_log SET key_id = :kept WHERE key_id = :id'),
                         {'kept': kept[digest], 'id': row.id})
            conn.execute(sa.text('DELETE FROM software_keys WHERE id = :id'), {'id': row.id})
            continue
        if row.revoked_at is None:
            kept[digest] = row.id
        conn.execute(sa.text('UPDATE software_keys SET identity_digest = :digest '
                             'WHERE id = :id'), {'digest': digest, 'id': row.id})
