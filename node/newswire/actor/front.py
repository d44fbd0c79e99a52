"""The approved and picked news, newest decision first, for the front page and the Atom
feed (a picked item is a network item whose original the page links).

Keyset pagination (``before`` = the id of the last item shown): a page costs the same
however deep it is, and items approved meanwhile never shift a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select

from node.activitypub.models import StoredObject
from node.keyset import TimeKey
from node.newswire.models import NewsItem

PAGE = 20

_item = NewsItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NewsEntry:
    id: int
    object_uri: str
    title: str
    summary_html: str
    content_html: str
    source_url: str
    submitter_name: str
    edited: bool
    approved_at: datetime
    picked: bool = False  # a network item a moderator picked (the network newswire)
    origin_handle: str = ""  # the picked item's author


def news_page(conn: Connection, before: TimeKey | None = None,
              limit: int = PAGE) -> tuple[list[NewsEntry], TimeKey | None]:
    """A page of approved news and the cursor of the next (older) page, if any: the
    last entry's decision time and id (:mod:`node.keyset`), so the page after it is
    right even when that entry was taken down meanwhile (a cursor naming its row sent
    the reader back to the first page)."""
    query = (select(_item, _object.c.document)
             .join(_object, _object.c.uri == _item.c.object_uri)
             .where(_item.c.state.in_(("approved", "picked")), _object.c.deleted_at.is_(None))
             .order_by(_item.c.decided_at.desc(), _item.c.id.desc()).limit(limit + 1))
    if before is not None:
        query = query.where(or_(_item.c.decided_at < before.at,
                                and_(_item.c.decided_at == before.at, _item.c.id < before.id)))
    rows = conn.execute(query).all()
    entries = [_entry(row) for row in rows[:limit]]
    last = entries[-1] if len(rows) > limit else None
    return entries, (TimeKey(last.approved_at, last.id) if last else None)


def news_key(conn: Connection, entry_id: int) -> TimeKey | None:
    """Where a former ``?before=<id>`` link points: that entry's decision time and id;
    None when it is gone or not (or no longer) approved: the first page then."""
    at = conn.execute(select(_item.c.decided_at).where(
        _item.c.id == entry_id, _item.c.state.in_(("approved", "picked")))).scalar()
    return TimeKey(at, entry_id) if at is not None else None


def _entry(row: object) -> NewsEntry:
    m = row._mapping  # type: ignore[attr-defined]
    doc = m["document"] if isinstance(m["document"], dict) else {}
    return NewsEntry(
        id=m["id"], object_uri=m["object_uri"], title=m["title"],
        # a picked Note's summary is a content warning, if anything: show its text
        summary_html=str(doc.get("content" if m["state"] == "picked" else "summary") or ""),
        content_html=str(doc.get("content") or ""),
        source_url=m["source_url"], submitter_name=m["submitter_name"], edited=m["edited"],
        approved_at=m["decided_at"], picked=m["state"] == "picked",
        origin_handle=m["submitter_handle"] if m["state"] == "picked" else "")
