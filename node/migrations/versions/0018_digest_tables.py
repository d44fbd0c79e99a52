"""The weekly digest and its e-mail (issue 10 item 6).

* ``news_digest``: each digest, its period, its entries as they were and its Article;
  unique per slot (the scheduled time), so two workers never make one week twice.
* ``news_subscriber``: e-mail addresses with their double opt-in state; only the
  SHA-256 of the confirmation token is stored.
* ``news_digest_mail``: one row per (digest, subscriber), unique, with its sending state.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 19:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "news_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=True),
        sa.Column("object_uri", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slot_at"),
    )
    op.create_table(
        "news_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("confirm_hash", sa.String(length=128), nullable=True),
        sa.Column("confirm_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("confirm_hash"),
    )
    op.create_table(
        "news_digest_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("data_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["digest_id"], ["news_digest.id"]),
        sa.ForeignKeyConstraint(["subscriber_id"], ["news_subscriber.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest_id", "subscriber_id", name="uq_news_digest_mail"),
    )
    with op.batch_alter_table("news_digest_mail", schema=None) as batch_op:
        batch_op.create_index("ix_news_digest_mail_due", ["state", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_digest_mail_digest_id"), ["digest_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("news_digest_mail")
    op.drop_table("news_subscriber")
    op.drop_table("news_digest")
