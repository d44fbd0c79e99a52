"""The directory's hub tags as rows (``network_hub_tag``), so its tag list is cheap.

The tag list under the directory's filters used to read every listed hub's ``tags``
text and split it in Python: most of a 230 ms page with 10,000 hubs. The rows here are
written by the directory's writers in the same transaction as the hub
(:mod:`node.network.directory`), so every process sees them as it sees the hub, on
SQLite and PostgreSQL alike, with no cache to invalidate. Only listed hubs (fetched,
``refreshed_at`` set) have tags: a placeholder is written without any.

:func:`tag_list` reads the distinct tags a seek in the ``tag`` index each
(:mod:`node.network.facet_scan`), however many hubs share each tag.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Connection, delete, insert, select

from node.network.facet_scan import distinct_values
from node.network.models import NetworkHubTag

_tag = NetworkHubTag.__table__  # type: ignore[attr-defined]
MAX_TAG = 200  # the column's length


def set_tags(conn: Connection, hub_id: int, tags: Iterable[str]) -> None:
    """``hub_id``'s tags are ``tags`` now: rows no longer named go, new ones come."""
    wanted = {t[:MAX_TAG] for t in tags if t}
    held = set(conn.execute(select(_tag.c.tag).where(_tag.c.hub_id == hub_id)).scalars())
    if held - wanted:
        conn.execute(
            delete(_tag).where(_tag.c.hub_id == hub_id, _tag.c.tag.in_(sorted(held - wanted)))
        )
    if wanted - held:
        conn.execute(insert(_tag), [{"hub_id": hub_id, "tag": t} for t in sorted(wanted - held)])


def drop_tags(conn: Connection, hub_ids: Collection[int]) -> None:
    """The hubs ``hub_ids`` left the directory."""
    if hub_ids:
        conn.execute(delete(_tag).where(_tag.c.hub_id.in_(list(hub_ids))))


def tag_list(conn: Connection, limit: int) -> list[str]:
    """The first ``limit`` distinct tags of the directory, in order."""
    return distinct_values(conn, "network_hub_tag", "tag", "", limit)
