"""Hubs keep their mission's Markdown (``hub.summary_source``) for the settings page.

The Group actor's ``summary`` is the rendered, sanitised HTML; editing the mission in
the browser needs the Markdown it came from. Existing hubs get ``""``: their settings
page starts from the text of the HTML instead.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_source", sa.Text(), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    # DROP COLUMN in place (SQLite >= 3.35), as 0004 does: no batch rebuild of the table.
    with op.batch_alter_table("hub", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("summary_source")
