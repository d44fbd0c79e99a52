"""Merging duplicate news (issue 10 item 3, "merge duplicates"): a submission marked as
a duplicate of another news item keeps the id of that item, so its tracking page can say
where it went.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("news_item") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("news_item") as batch:
        batch.drop_column("merged_into")
