"""Accounts get a personal timezone and can be disabled; invites are one-time links.

* ``account.timezone``: the IANA zone pages show times in for this reader (``""``: the
  hub's, else the node's).
* ``account.disabled_at``: set by a node admin; a disabled account cannot sign in.
* ``invite``: sign-up links; only the SHA-256 of each link's token is stored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.ForeignKeyConstraint(["used_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("invite")
    # ALTER TABLE ... DROP COLUMN in place (SQLite >= 3.35), as 0004 does.
    with op.batch_alter_table("account", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("timezone")
