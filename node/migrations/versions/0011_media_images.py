"""Uploaded images (``media``): one row per upload, with its alt text and variants.

The image files live in the data directory under their content hash
(``node.media.store``); this table says who uploaded them and what they show.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("owner_uri", sa.String(length=1024), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("blurhash", sa.String(length=64), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=True),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_owner_uri"), ["owner_uri"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_owner_uri"))
        batch_op.drop_index(batch_op.f("ix_media_name"))
    op.drop_table("media")
