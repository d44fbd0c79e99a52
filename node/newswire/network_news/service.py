"""The network news page and feed, and picking an item into the node's own newswire.

A pick (issue 10 item 5: "a moderator can pick a network item into the node's own
newswire (an Announce, logged)") writes, in ONE transaction: ``@news``'s
``Announce{object: <the item's id>}`` to ``Public``, cc its followers and the item's
author (what Mastodon sends for a boost, and what it understands; INTEROP.md
"Announce"), with its delivery rows; a ``news_item`` in state ``picked`` naming the
object (so the front page, its feed and the log list it beside approved news, and the
object id, unique there, makes a second pick impossible); the public log entry with
the moderator's role; and a WebSub ping.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from node.activitypub.models import RemoteActor, StoredObject
from node.activitypub.vocab import PUBLIC, activity
from node.newswire.actor.service import newswire_actor
from node.newswire.errors import NewsError
from node.newswire.fediverse.rules import source_url
from node.newswire.models import NewsItem, NewsLogEntry
from node.newswire.network_news.models import NetworkNews
from node.newswire.submissions.rules import MAX_TITLE
from node.newswire.submissions.service import token_hash
from node.newswire.websub.service import queue_ping
from node.runtime import Node

PAGE = 20
NO_SUCH = "there is no such network news item"
ALREADY_PICKED = "this item is already in the newswire"

_net = NetworkNews.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_item = NewsItem.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NetworkEntry:
    """One network news item as the page and the feed show it, with its origin."""

    id: int
    object_uri: str
    url: str  # the original's web page
    title: str
    content_html: str  # as stored (sanitised on receipt); the page sanitises again
    author_uri: str
    author_handle: str
    origin_host: str
    via: str  # the followed source, when it is not the author
    received_at: datetime
    published: str
    picked: bool


def title_of(document: dict[str, Any]) -> str:
    """``name``, else the start of the text, plain."""
    import nh3

    name = document.get("name")
    if isinstance(name, str) and name.strip():
        text = " ".join(name.split())
    else:
        content = document.get("content")
        plain = html.unescape(nh3.clean(content if isinstance(content, str) else "", tags=set()))
        text = " ".join(plain.split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def _entry(row: Any, picked: set[str]) -> NetworkEntry:
    doc = row.document if isinstance(row.document, dict) else {}
    content = doc.get("content")
    return NetworkEntry(
        id=row.id, object_uri=row.object_uri, url=source_url(doc) or row.object_uri,
        title=title_of(doc), content_html=content if isinstance(content, str) else "",
        author_uri=row.author_uri, author_handle=row.author_handle or row.author_uri,
        origin_host=row.origin_host, via="" if row.via == row.author_uri else row.via,
        received_at=row.received_at, published=str(doc.get("published") or ""),
        picked=row.object_uri in picked)


def network_page(conn: Connection, before: int | None = None,
                 limit: int = PAGE) -> tuple[list[NetworkEntry], int | None]:
    """Network news, newest first (keyset on id), without deleted originals; the cursor
    of the next page."""
    query = (select(_net, _object.c.document).join(_object, _object.c.uri == _net.c.object_uri)
             .where(_object.c.deleted_at.is_(None)).order_by(_net.c.id.desc()).limit(limit + 1))
    if before is not None:
        query = query.where(_net.c.id < before)
    rows = conn.execute(query).all()
    uris = [r.object_uri for r in rows[:limit]]
    picked = set(conn.execute(select(_item.c.submitted_object).where(
        _item.c.submitted_object.in_(uris), _item.c.state == "picked")).scalars()) if uris \
        else set()
    entries = [_entry(r, picked) for r in rows[:limit]]
    return entries, (entries[-1].id if len(rows) > limit else None)


def _live(conn: Connection, network_id: int) -> Any:
    row = conn.execute(select(_net, _object.c.document)
                       .join(_object, _object.c.uri == _net.c.object_uri)
                       .where(_net.c.id == network_id, _object.c.deleted_at.is_(None))).first()
    if row is None:
        raise NewsError(NO_SUCH)
    return row


def pick(node: Node, conn: Connection, network_id: int, *, role: str) -> str:
    """Pick network item ``network_id`` into the newswire; the Announce's id."""
    row = _live(conn, network_id)
    if conn.execute(select(_item.c.id).where(_item.c.submitted_object == row.object_uri)
                    ).first():
        raise NewsError(ALREADY_PICKED)
    now = node.clock()
    news = newswire_actor(conn, base_url=node.settings.url, now=now,
                          node_name=node.settings.node_name,
                          keys=node.actor_keys)
    outbox = node.services.outbox
    announce = activity("Announce", id=outbox.new_id("activities"), actor=news.uri,
                        object=row.object_uri, published=now, to=[PUBLIC],
                        cc=[f"{news.uri}/followers", row.author_uri])
    author_inbox = conn.execute(select(_remote.c.shared_inbox, _remote.c.inbox).where(
        _remote.c.uri == row.author_uri)).first()
    inboxes = [author_inbox.shared_inbox or author_inbox.inbox] if author_inbox else []
    outbox.publish(conn, actor=news, activity=announce, now=now,
                   inboxes=[i for i in inboxes if i])
    entry = _entry(row, set())
    title = (entry.title or entry.url)[:MAX_TITLE]
    item_id = conn.execute(insert(_item).values(
        token_hash=token_hash(secrets.token_urlsafe(24)), title=title,
        body="", links=[], source_url=entry.url[:1024], submitter_name="",
        contact_email="", state="picked", edited=False, object_uri=row.object_uri,
        clause="", submitter_actor=row.author_uri, submitter_handle=row.author_handle,
        submitter_inbox="", submitted_object=row.object_uri, submitted_at=row.received_at,
        decided_at=now)).inserted_primary_key
    assert item_id is not None
    conn.execute(insert(_log).values(item_id=int(item_id[0]), action="picked",
                                     title=title, clause="", note="",
                                     role=role, at=now))
    queue_ping(conn, node.settings.websub_hub, f"{news.uri}/feed.atom", now)
    return str(announce["id"])

