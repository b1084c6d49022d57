"""Throttle buckets (sign-in, sign-up and API limits) and pending direct-customer sign-ups

Revision ID: 0016_throttle
Revises: 0015_user_sessions
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_throttle'
down_revision = '0015_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_buckets',
    sa.Column('bucket', sa.String(length=200), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('resets_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('bucket', name=op.f('pk_throttle_buckets'))
    )
    with op.batch_alter_table('throttle_buckets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_buckets_resets_at'), ['resets_at'], unique=False)

    op.create_table('sign_up_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_up_requests')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_up_requests_token_hash'))
    )
    with op.batch_alter_table('sign_up_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_up_requests_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_up_requests_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_up_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_up_requests_expires_at'))
        batch_op.drop_index(batch_op.f('ix_sign_up_requests_email'))
    op.drop_table('sign_up_requests')
    with op.batch_alter_table('throttle_buckets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_buckets_resets_at'))
    op.drop_table('throttle_buckets')
