"""S6/S7: entitlements mirrored from Partner Center, keys and downloads recorded against
them by admins (with their version, language, file type and OS), and per product what a
purchase comes with (key, download, both or none) and its installation instructions.

Revision ID: 0029_entitlements
Revises: 0028_coterming
Create Date: 2026-12-05 03:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029_entitlements'
down_revision = '0028_coterming'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'entitlements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=36), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=True),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('pc_order_id', sa.String(length=60), nullable=False),
        sa.Column('line_item_id', sa.String(length=10), nullable=False),
        sa.Column('alternate_id', sa.String(length=60), nullable=False),
        sa.Column('pc_product_id', sa.String(length=40), nullable=False),
        sa.Column('pc_sku_id', sa.String(length=20), nullable=False),
        sa.Column('entitlement_type', sa.String(length=40), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('gone_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_entitlements_customer_id_customers')),
        sa.ForeignKeyConstraint(['parent_id'], ['entitlements.id'],
                                name=op.f('fk_entitlements_parent_id_entitlements')),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                                name=op.f('fk_entitlements_subscription_id_subscriptions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_entitlements')),
        sa.UniqueConstraint('tenant_id', 'pc_order_id', 'line_item_id', 'pc_product_id',
                            'pc_sku_id',
                            name=op.f('uq_entitlements_tenant_id')),
    )
    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entitlements_customer_id'), ['customer_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_entitlements_subscription_id'),
                              ['subscription_id'], unique=False)
    with op.batch_alter_table('software_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entitlement_id', sa.Integer(), nullable=True))
        for name, length in (('version', 40), ('language', 40), ('file_type', 20),
                             ('os', 40)):
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False,
                                          server_default=''))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_software_keys_entitlement_id'),
                              ['entitlement_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_software_keys_entitlement_id_entitlements'),
                                    'entitlements', ['entitlement_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_software_keys_recorded_by_id_users'),
                                    'users', ['recorded_by_id'], ['id'])
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.String(length=20), nullable=False,
                                      server_default='key_and_download'))
        batch_op.add_column(sa.Column('install_instructions_url', sa.String(length=500),
                                      nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('install_instructions_url')
        batch_op.drop_column('delivery')
    with op.batch_alter_table('software_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_software_keys_recorded_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_software_keys_entitlement_id_entitlements'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_software_keys_entitlement_id'))
        for name in ('recorded_by_id', 'os', 'file_type', 'language', 'version',
                     'entitlement_id'):
            batch_op.drop_column(name)
    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entitlements_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_entitlements_customer_id'))
    op.drop_table('entitlements')
