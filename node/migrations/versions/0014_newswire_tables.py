"""The newswire: submissions, news moderators, Code of Conduct versions, the public
moderation log and the per-address submission count.

* ``news_item``: a submission as typed (the contact e-mail only here, never
  published), its state and, once approved, its Article's uri; only the SHA-256 of the
  tracking token is stored.
* ``news_moderator``: accounts with the news-moderator role (node admins have it).
* ``news_conduct``: every version of the Code of Conduct and the Principles of
  Accountability.
* ``news_log``: every decision, with the clause cited and the moderator's role only.
* ``news_submit_attempt``: stored submissions per client address, for the rate limit.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:56:44.390003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('news_conduct',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document', 'version', name='uq_news_conduct')
    )
    op.create_table('news_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=True),
    sa.Column('source_url', sa.String(length=1024), nullable=False),
    sa.Column('submitter_name', sa.String(length=100), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('object_uri', sa.String(length=1024), nullable=True),
    sa.Column('clause', sa.String(length=300), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('news_item', schema=None) as batch_op:
        batch_op.create_index('ix_news_item_state', ['state', 'decided_at', 'id'], unique=False)

    op.create_table('news_submit_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('news_submit_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_news_submit_attempt_client'), ['client'], unique=False)

    op.create_table('news_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('clause', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['news_item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('news_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_news_log_item_id'), ['item_id'], unique=False)

    op.create_table('news_moderator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id')
    )


def downgrade() -> None:
    op.drop_table('news_moderator')
    with op.batch_alter_table('news_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_news_log_item_id'))

    op.drop_table('news_log')
    with op.batch_alter_table('news_submit_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_news_submit_attempt_client'))

    op.drop_table('news_submit_attempt')
    with op.batch_alter_table('news_item', schema=None) as batch_op:
        batch_op.drop_index('ix_news_item_state')

    op.drop_table('news_item')
    op.drop_table('news_conduct')
