"""Every author of a stored object (``stored_object.authors``).

An object whose ``attributedTo`` listed several actors was stored with no author: none
of them could update it and any actor of its host could delete it (issue 7, 2.7). The
column also records who deleted an id before its Create arrived (issue 7, 2.4). Rows
stored before it keep working: their owner is ``attributed_to``, else the stored
document's ``attributedTo`` (activitypub/authorship.py), so nothing is backfilled.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stored_object", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authors", sa.JSON(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite >= 3.35): a batch rebuild would copy
    # the whole table and, with foreign keys on (node/db.py), fail to drop the old one.
    with op.batch_alter_table("stored_object", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("authors")
