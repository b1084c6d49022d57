"""K11 sign-in proofs of a direct customer's tenant, kept server-side by their state

Revision ID: 0013_tenant_sign_ins
Revises: 0012_gdap
Create Date: 2026-12-04 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_tenant_sign_ins'
down_revision = '0012_gdap'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tenant_sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=128), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('username', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tenant_sign_ins_customer_id_customers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tenant_sign_ins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_sign_ins')),
    sa.UniqueConstraint('state', name=op.f('uq_tenant_sign_ins_state'))
    )
    with op.batch_alter_table('tenant_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_sign_ins_customer_id'), ['customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tenant_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_sign_ins_customer_id'))
    op.drop_table('tenant_sign_ins')
