"""A digest's entries less those withdrawn since it was made.

A digest stores its entries when it is made, but its mail goes out over hours at the
SMTP server's pace and its page stays up: news a moderator removes after a report, or a
picked item a block withdraws, must leave both (issue 10 items 7, 8: removed or blocked
content never appears). Withdrawn items are tombstoned in ``stored_object``
(``deleted_at``), so the check is one indexed query over the entries' URIs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from node.activitypub.models import StoredObject

_object = StoredObject.__table__  # type: ignore[attr-defined]


def withdrawn(conn: Connection, entries: Sequence[dict[str, Any]]) -> frozenset[str]:
    """The URLs of ``entries`` whose item has been deleted or withdrawn."""
    urls = [str(e.get("url") or "") for e in entries if e.get("url")]
    if not urls:
        return frozenset()
    return frozenset(conn.execute(select(_object.c.uri).where(
        _object.c.uri.in_(urls), _object.c.deleted_at.is_not(None))).scalars())


def live(conn: Connection, entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entries`` without the withdrawn ones, in their order."""
    gone = withdrawn(conn, entries)
    return [e for e in entries if str(e.get("url") or "") not in gone]
