"""GDAP relationships per customer tenant, and the provider's GDAP settings (K4)

Revision ID: 0012_gdap
Revises: 0011_tenant_ownership
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_gdap'
down_revision = '0011_tenant_ownership'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gdap_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roles', sa.String(length=1000), nullable=False),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('auto_extend', sa.Boolean(), nullable=False),
    sa.Column('security_group_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gdap_settings'))
    )
    op.create_table('gdap_relationships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('relationship_id', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=50), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('roles', sa.String(length=1000), nullable=False),
    sa.Column('auto_extend', sa.Boolean(), nullable=False),
    sa.Column('approval_url', sa.String(length=300), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('access_assigned', sa.Boolean(), nullable=False),
    sa.Column('notified_30_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_7_for', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_gdap_relationships_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gdap_relationships')),
    sa.UniqueConstraint('relationship_id', name=op.f('uq_gdap_relationships_relationship_id'))
    )
    with op.batch_alter_table('gdap_relationships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gdap_relationships_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gdap_relationships_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('gdap_relationships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gdap_relationships_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_gdap_relationships_customer_id'))
    op.drop_table('gdap_relationships')
    op.drop_table('gdap_settings')
