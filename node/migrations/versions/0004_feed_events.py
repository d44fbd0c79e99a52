"""Calendar feed entries become Events kept in step with their source (``digest``).

An imported iCalendar event is now an ionode Event; ``feed_entry.digest`` fingerprints
what the source said last, so a changed source event sends one Update and a hub
steward's own move is not undone by an unchanged source. Items that earlier versions
filed as ``kind="event"`` while their object was a plain Note (a republished calendar
entry) become ordinary feed posts, which they are: they broke every calendar.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
    op.execute("UPDATE hub_item SET kind = 'feed', starts_at = NULL, ends_at = NULL "
               "WHERE origin = 'feed' AND kind = 'event' AND object_uri IN "
               "(SELECT uri FROM stored_object WHERE type = 'Note')")


def downgrade() -> None:
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        batch_op.drop_column("digest")
