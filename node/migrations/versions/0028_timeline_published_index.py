"""Received items keep their tags and region, hub pages list by publication, and the
timeline's hub filter has its index (issue 9 items 1 to 3 of the timeline's gaps).

* ``network_item`` rows received before 0025 have an empty region and no tags, so the
  timeline's tag and region filters missed them. They are indexed here from their
  stored documents, read as the receive path reads them
  (:func:`node.network.item_index.index_item`). A migration must not import that
  code (it may change after this revision, and a migration runs as written forever,
  as 0006 does): :func:`_region` and :func:`_hashtags` are faithful copies of
  ``node.network.event_index.place_region``, ``hub_region`` and ``hashtags`` as of
  this revision.
* ``hub_item.published_at``: when the object was published (its ``published``, never
  after it arrived; else its arrival), so a hub page lists a linked hub's backfilled
  history below what is new; ``ix_hub_item_published`` walks it per hub and kind.
* ``ix_item_origin_hub_uri``: the timeline's hub filter reads ``item_origin`` by hub.

The two fills walk their tables by id in batches of :data:`BATCH` rows (a keyset), each
batch read, written and committed in a transaction of its own (an Alembic autocommit
block, ``env.py`` running each migration on its own), so a large node holds no huge
transaction nor every document in memory. Rows already filled are skipped: a run that
stops half-way (its schema changes are committed before the fills) goes on where it
stopped, as the schema steps check what is there already.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 23:30:00
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
MAX_TAGS = 20  # node.network.event_index.MAX_TAGS


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "published_at" not in {c["name"] for c in inspector.get_columns("hub_item")}:
        with op.batch_alter_table("hub_item", recreate="never") as batch:
            batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    if "ix_item_origin_hub_uri" not in {i["name"] for i in inspector.get_indexes("item_origin")}:
        op.create_index("ix_item_origin_hub_uri", "item_origin", ["hub_uri"])
    with op.get_context().autocommit_block():  # commits the steps above, then each batch
        _fill_published(op.get_bind())
        _index_items(op.get_bind())
    with op.batch_alter_table("hub_item") as batch:
        batch.alter_column("published_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index(
        "ix_hub_item_published", "hub_item", ["hub_id", "kind", "state", "published_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_hub_item_published", table_name="hub_item")
    op.drop_index("ix_item_origin_hub_uri", table_name="item_origin")
    with op.batch_alter_table("hub_item") as batch:
        batch.drop_column("published_at")


def _batches(bind: sa.Connection, query: str) -> Iterator[list[Any]]:
    """Rows of ``query`` (``:after`` is the last id done) a batch at a time, each batch
    read and written in a transaction of its own (``bind`` is in autocommit mode: the
    explicit BEGIN and COMMIT make one transaction of a batch, not one of each row)."""
    after = 0
    while True:
        bind.exec_driver_sql("BEGIN")
        try:
            rows = list(bind.execute(sa.text(query), {"after": after, "batch": BATCH}).all())
            if rows:
                yield rows
        except BaseException:
            bind.exec_driver_sql("ROLLBACK")
            raise
        bind.exec_driver_sql("COMMIT")
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _fill_published(bind: sa.Connection) -> None:
    """Each hub item takes its object's ``published``, never one after it arrived."""
    for rows in _batches(
        bind,
        "SELECT i.id FROM hub_item i WHERE i.id > :after"
        " AND i.published_at IS NULL ORDER BY i.id LIMIT :batch",
    ):
        bind.execute(
            sa.text(
                "UPDATE hub_item SET published_at = COALESCE(("
                " SELECT CASE WHEN o.published < hub_item.created_at THEN o.published"
                " ELSE hub_item.created_at END"
                " FROM stored_object o WHERE o.uri = hub_item.object_uri),"
                " hub_item.created_at) WHERE id >= :low AND id <= :high"
                " AND published_at IS NULL"
            ),
            {"low": rows[0][0], "high": rows[-1][0]},
        )


def _index_items(bind: sa.Connection) -> None:
    """Items with no region and no tags (those of before 0025) indexed from their
    documents; an item that has none stays as it was."""
    hub_regions: dict[str, str] = {}
    for rows in _batches(
        bind,
        (
            "SELECT i.id, i.hub_uri, o.document FROM network_item i"
            " JOIN stored_object o ON o.uri = i.object_uri"
            " WHERE i.id > :after AND i.region = ''"
            " AND NOT EXISTS (SELECT 1 FROM network_item_tag t WHERE t.item_id = i.id)"
            " ORDER BY i.id LIMIT :batch"
        ),
    ):
        regions, tags = [], []
        for item_id, hub, raw in rows:
            document = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(document, Mapping):
                continue
            region = _region(bind, document, hub, hub_regions)
            if region:
                regions.append({"r": region, "i": item_id})
            tags += [{"i": item_id, "t": tag} for tag in _hashtags(document)]
        if regions:
            bind.execute(sa.text("UPDATE network_item SET region = :r WHERE id = :i"), regions)
        if tags:
            bind.execute(
                sa.text("INSERT INTO network_item_tag (item_id, tag) VALUES (:i, :t)"), tags
            )


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _place_region(location: Any) -> str:
    """A ``Place``'s region: its PostalAddress ``addressRegion``, else its locality."""
    places = location if isinstance(location, list) else [location]
    for place in places:
        address = place.get("address") if isinstance(place, Mapping) else None
        if isinstance(address, Mapping):
            for key in ("addressRegion", "addressLocality"):
                if found := _text(address.get(key)):
                    return found[:200]
    return ""


def _hub_region(bind: sa.Connection, hub: str | None, known: dict[str, str]) -> str:
    """The region a hub's Group document names (ionode: its ``location`` Place)."""
    if not hub:
        return ""
    if hub not in known:
        raw = bind.execute(
            sa.text("SELECT document FROM remote_actor WHERE uri = :u"), {"u": hub}
        ).scalar()
        document = json.loads(raw) if isinstance(raw, str) else raw
        location = document.get("location") if isinstance(document, Mapping) else None
        known[hub] = (
            _text(location.get("name"))[:200] or _place_region(location)
            if isinstance(location, Mapping)
            else ""
        )
    return known[hub]


def _region(
    bind: sa.Connection, document: Mapping[str, Any], hub: str | None, known: dict[str, str]
) -> str:
    """``node.network.item_index.index_item``'s region: the item's Place, else its hub's."""
    region = _place_region(document.get("location")) or _hub_region(bind, hub, known)
    return region.lower()[:200]


def _hashtags(doc: Mapping[str, Any]) -> list[str]:
    """The item's ``Hashtag`` names, lower-cased, without ``#``, each once."""
    found: list[str] = []
    tags = doc.get("tag")
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, Mapping) and tag.get("type") == "Hashtag":
            name = _text(tag.get("name")).lstrip("#").lower()[:200]
            if name and name not in found:
                found.append(name)
    return found[:MAX_TAGS]
