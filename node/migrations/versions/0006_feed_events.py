"""Calendar feed entries become Events kept in step with their source (``digest``).

An imported iCalendar event is now an ionode Event; ``feed_entry.digest`` fingerprints
what the source said last, so a changed source event sends one Update and a hub
steward's own move is not undone by an unchanged source. Items that earlier versions
filed as ``kind="event"`` while their object was a plain Note (a republished calendar
entry) become ordinary feed posts, which they are: they broke every calendar. On SQLite,
received items' start and end are indexed again in UTC: before, ``18:15-06:00`` was
stored as 18:15 with its offset dropped (``node.columns.UTCDateTime`` now converts).

Two things this upgrade does not undo or finish:

- The refiling is irreversible. Those items become ``kind="feed"`` and their
  ``starts_at``/``ends_at`` are set to NULL; ``downgrade`` only drops ``digest`` and
  does not restore either (the old kind and times are not kept anywhere).
- The refiled entries keep their ``feed_entry`` rows, with a NULL ``digest``. A feed
  entry already in ``feed_entry`` is not republished, so these calendar entries stay
  plain feed posts and never become Events; only entries first seen after this
  revision do.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 14:30:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
    op.execute("UPDATE hub_item SET kind = 'feed', starts_at = NULL, ends_at = NULL "
               "WHERE origin = 'feed' AND kind = 'event' AND object_uri IN "
               "(SELECT uri FROM stored_object WHERE type = 'Note')")
    if op.get_bind().dialect.name == "sqlite":
        _reindex_received_times()


def _utc(value: object) -> str | None:
    """An xsd:dateTime as SQLite's UTC wall time, None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _reindex_received_times() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT hub_item.id, stored_object.document FROM hub_item JOIN stored_object "
        "ON stored_object.uri = hub_item.object_uri WHERE hub_item.origin = 'remote' AND "
        "(hub_item.starts_at IS NOT NULL OR hub_item.ends_at IS NOT NULL)")).all()
    for item_id, raw in rows:
        document = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(document, dict):
            continue
        bind.execute(sa.text("UPDATE hub_item SET starts_at = :s, ends_at = :e WHERE id = :i"),
                     {"s": _utc(document.get("startTime")), "e": _utc(document.get("endTime")),
                      "i": item_id})


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite >= 3.35): a batch rebuild would copy
    # the whole table and, with foreign keys on (node/db.py), fail to drop the old one.
    with op.batch_alter_table("feed_entry", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("digest")
