"""The network timeline's index of a received item: its region and its hashtags.

Issue 9 item 5 asks the timeline to filter by tag and region as the network calendar
does (:mod:`node.network.event_index`), and read the same way: the region is the
item's ``Place`` (``addressRegion``, else ``addressLocality``), else its hub's
``location``, lower case; the tags are its ``Hashtag`` names, lower case, without
``#``. Written when the item first arrives and again on every ``Update``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, update

from node.network.event_index import hashtags, hub_region, place_region
from node.network.models import NetworkItem, NetworkItemTag

_item = NetworkItem.__table__  # type: ignore[attr-defined]
_tag = NetworkItemTag.__table__  # type: ignore[attr-defined]


def index_item(conn: Connection, item_id: int, document: Mapping[str, Any],
               hub: str | None) -> None:
    """(Re)write the region and tags of the ``network_item`` row ``item_id``."""
    region = (place_region(document.get("location")) or hub_region(conn, hub)).lower()
    conn.execute(update(_item).where(_item.c.id == item_id).values(region=region[:200]))
    conn.execute(delete(_tag).where(_tag.c.item_id == item_id))
    tags = hashtags(document)
    if tags:
        conn.execute(insert(_tag), [{"item_id": item_id, "tag": t} for t in tags])


def unindex_item(conn: Connection, item_ids: list[int]) -> None:
    """The items are gone from the timeline: their tags too."""
    if item_ids:
        conn.execute(delete(_tag).where(_tag.c.item_id.in_(item_ids)))
