"""Blocks and the allowlist (issue 10 item 8): the federation policy's tables.

* ``federation_rule``: blocked domains, blocked accounts and allowed domains, each with
  its public reason (shown in the moderation log).
* ``federation_policy``: one row, the mode (``open`` or ``allowlist``) and the version
  counter every process watches to drop its cached snapshot.

A block is a logged moderation decision about no news item: ``news_log.item_id`` is
nullable since the reports' migration (0020).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=1024), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "target", name="uq_federation_rule"),
    )
    policy = op.create_table(
        "federation_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(policy, [{"id": 1, "mode": "open", "version": 0}])


def downgrade() -> None:
    op.execute("DELETE FROM news_log WHERE item_id IS NULL AND report_id IS NULL")
    op.drop_table("federation_policy")
    op.drop_table("federation_rule")
