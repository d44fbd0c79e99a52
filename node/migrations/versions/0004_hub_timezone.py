"""Hubs get a timezone (``hub.timezone``): the IANA zone their pages show times in.

Existing hubs get ``""``, which means "the node's ``IONODE_TIMEZONE``".

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite >= 3.35): a batch rebuild would copy
    # the whole table and, with foreign keys on (node/db.py), fail to drop the old one.
    with op.batch_alter_table("hub", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("timezone")
