"""Reports (issue 10 item 7): the ``news_report`` table, and the public moderation log
learning to record a decision on a report.

* ``news_report``: what was reported (account, objects, a label), why, the reporter
  (a local account, or a remote ``Flag``'s sender; never published), the ``Flag`` sent
  or received (unique, so a redelivered Flag makes one report), its state and outcome.
* ``news_log``: ``item_id`` becomes optional and ``report_id`` names the report.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 19:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "news_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("account_uri", sa.String(length=1024), nullable=False),
        sa.Column("object_uris", sa.JSON(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reporter_account_id", sa.Integer(), nullable=True),
        sa.Column("reporter_actor", sa.String(length=1024), nullable=False),
        sa.Column("include_identity", sa.Boolean(), nullable=False),
        sa.Column("flag_uri", sa.String(length=1024), nullable=True),
        sa.Column("forwarded_to", sa.String(length=1024), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["reporter_account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("flag_uri"),
    )
    with op.batch_alter_table("news_report", schema=None) as batch_op:
        batch_op.create_index("ix_news_report_state", ["state", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_report_reporter_account_id"),
                              ["reporter_account_id"], unique=False)
    with op.batch_alter_table("news_log", schema=None) as batch_op:
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_news_log_report_id"), ["report_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("news_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_news_log_report_id"))
        batch_op.drop_column("report_id")
    op.execute("DELETE FROM news_log WHERE item_id IS NULL")
    with op.batch_alter_table("news_log", schema=None) as batch_op:
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("news_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_news_report_reporter_account_id"))
        batch_op.drop_index("ix_news_report_state")
    op.drop_table("news_report")
