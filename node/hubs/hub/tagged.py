"""Items of every hub of this node that carry a hashtag: what ``/tags/{name}`` lists.

A ``#hashtag`` in a post links here (:class:`node.text.TagLinks`, Mastodon's shape), and
each item's document names its hashtags in its ``tag`` array (``{"type": "Hashtag",
"name": "#name"}``, as Mastodon writes them; remote items carry their own author's).
There is no tag index: a page walks the node's published items newest publication first
(``published_at``, as every other list: a linked hub's backfilled history sits below
what is new), reading at most :data:`SCAN` rows, and its cursor is the publication time
and id where the walk stopped (:mod:`node.keyset`: values, so a deleted item there
changes nothing), so every page costs about the same and "older" goes on from there
(a keyset, never OFFSET). ``ix_hub_item_published_node`` (migration 0029) is the walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from node.activitypub.models import StoredObject
from node.hubs.hub.dashboard import Item, key_of, rows
from node.hubs.hub.models import HubItem
from node.keyset import TimeKey

SCAN = 400  # rows one page reads at most, whatever it finds
_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TaggedPage:
    """Items newest first, and where the walk stopped (None: the last page)."""

    items: list[Item]
    before: TimeKey | None


def hashtags_of(document: dict[str, Any]) -> set[str]:
    """The hashtags a document names, lower case and without ``#``."""
    tags = document.get("tag")
    found = set()
    for tag in tags if isinstance(tags, list) else [tags]:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            name = tag.get("name")
            if isinstance(name, str) and name.lstrip("#"):
                found.add(name.lstrip("#").casefold())
    return found


def tagged_key(conn: Connection, item_id: int) -> TimeKey | None:
    """Where a former ``?before=<id>`` link points: that row's publication time and id;
    None when it is gone (the first page then)."""
    at = conn.execute(select(_item.c.published_at).where(_item.c.id == item_id)).scalar()
    return TimeKey(at, item_id) if at is not None else None


def tagged_page(conn: Connection, tag: str, *, before: TimeKey | None,
                limit: int) -> TaggedPage:
    """Up to ``limit`` published items tagged ``tag``, newest publication first; an item
    posted into several hubs is listed once on a page (at its newest hub row)."""
    wanted = tag.lstrip("#").casefold()
    query = (select(_item.c.id, _item.c.object_uri, _item.c.kind, _item.c.starts_at,
                    _item.c.ends_at, _item.c.pinned, _item.c.series_id, _object.c.document,
                    _object.c.published, _object.c.attributed_to, _item.c.published_at)
             .join(_object, _object.c.uri == _item.c.object_uri)
             .where(_item.c.state == "published", _object.c.deleted_at.is_(None)))
    if before is not None:
        query = query.where(or_(_item.c.published_at < before.at,
                                and_(_item.c.published_at == before.at,
                                     _item.c.id < before.id)))
    batch = rows(conn, query.order_by(_item.c.published_at.desc(), _item.c.id.desc())
                 .limit(SCAN))
    shown: list[Item] = []
    seen: set[str] = set()
    for item in batch:
        if len(shown) == limit:
            return TaggedPage(shown, key_of(shown[-1]))
        if item.uri not in seen and wanted in hashtags_of(item.document):
            seen.add(item.uri)
            shown.append(item)
    return TaggedPage(shown, key_of(batch[-1]) if len(batch) == SCAN else None)
