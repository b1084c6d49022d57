"""Lower security findings (#19): product keys encrypted at rest; one reseller per MPN ID

Revision ID: 0017_security_lower
Revises: 0016_throttle
Create Date: 2026-12-05 12:00:00.000000

software_keys.product_key widens to hold a Fernet token, and every key stored in clear is
encrypted with PRODUCT_KEY_ENCRYPTION_KEY as the environment gives it at upgrade time (its
first key when it lists several); a value that is a token already is left alone. The
downgrade decrypts them again.

resellers.mpn_id becomes unique where it is not empty (a partial unique index, the same on
SQLite and PostgreSQL). When resellers share an MPN ID the upgrade stops and names them:
which one holds the number is the provider's call, not the migration's.
"""
from alembic import op
import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from flask import current_app

from config.credentials import product_key_cipher


# revision identifiers, used by Alembic.
revision = '0017_security_lower'
down_revision = '0016_throttle'
branch_labels = None
depends_on = None

KEYS = sa.table('software_keys', sa.column('id', sa.Integer),
                sa.column('product_key', sa.String))
MPN_GIVEN = sa.text("mpn_id != ''")


def upgrade():
    _refuse_shared_mpn_ids()  # first, so a refused upgrade has changed nothing
    with op.batch_alter_table('software_keys', schema=None) as batch_op:
        batch_op.alter_column('product_key', existing_type=sa.String(length=100),
                              type_=sa.String(length=255), existing_nullable=False)
    cipher = product_key_cipher(current_app.config)
    _rewrite(lambda value: value if _is_token(cipher, value)
             else cipher.encrypt(value.encode()).decode())
    op.create_index('uq_resellers_mpn_id', 'resellers', ['mpn_id'], unique=True,
                    sqlite_where=MPN_GIVEN, postgresql_where=MPN_GIVEN)


def downgrade():
    op.drop_index('uq_resellers_mpn_id', table_name='resellers')
    cipher = product_key_cipher(current_app.config)
    _rewrite(lambda value: cipher.decrypt(value.encode()).decode()
             if _is_token(cipher, value) else value)
    with op.batch_alter_table('software_keys', schema=None) as batch_op:
        batch_op.alter_column('product_key', existing_type=sa.String(length=255),
                              type_=sa.String(length=100), existing_nullable=False)


def _is_token(cipher, value):
    try:
        cipher.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def _rewrite(change):
    connection = op.get_bind()
    for row_id, value in connection.execute(sa.select(KEYS.c.id, KEYS.c.product_key)).all():
        new = change(value)
        if new != value:
            connection.execute(KEYS.update().where(KEYS.c.id == row_id)
                               .values(product_key=new))


def _refuse_shared_mpn_ids():
    shared = op.get_bind().execute(sa.text(
        "SELECT mpn_id, COUNT(*) FROM resellers WHERE mpn_id != '' "
        "GROUP BY mpn_id HAVING COUNT(*) > 1 ORDER BY mpn_id")).all()
    if shared:
        listed = ", ".join(f"{mpn} ({count} resellers)" for mpn, count in shared)
        raise RuntimeError(
            f"Resellers share an MPN ID: {listed}. An MPN ID names one reseller; correct "
            "the wrong ones on /admin/resellers, then run `flask db upgrade` again.")
