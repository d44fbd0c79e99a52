"""Making a digest: gather the period's entries, store the digest, publish its Article
and queue one mail per confirmed subscriber, all in ONE transaction, so a crash leaves
either no digest or a digest with its Article and every mail row queued.

Queuing is one ``INSERT ... SELECT`` over the confirmed subscribers: 50,000 rows cost
one statement, and the unique (digest, subscriber) pair keeps it from ever queuing a
subscriber twice. The mails themselves are rendered when sent
(:mod:`node.newswire.digest.sending`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, literal, select, update

from node.activitypub.models import StoredObject
from node.activitypub.vocab import PUBLIC, activity
from node.clock import as_utc
from node.newswire.actor.service import newswire_actor
from node.newswire.digest.article import Entry, digest_article, digest_title
from node.newswire.digest.models import DigestMail, NewsDigest, NewsSubscriber
from node.newswire.models import NewsItem
from node.newswire.moderation.article import plain_summary
from node.newswire.network_news.models import NetworkNews
from node.newswire.websub.service import queue_ping
from node.runtime import Node

WEEK = timedelta(days=7)
MAX_ENTRIES = 1000  # a digest is a week's news, not an archive

_item = NewsItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_digest = NewsDigest.__table__  # type: ignore[attr-defined]
_subscriber = NewsSubscriber.__table__  # type: ignore[attr-defined]
_mail = DigestMail.__table__  # type: ignore[attr-defined]
_network = NetworkNews.__table__  # type: ignore[attr-defined]

Source = Callable[[Connection, datetime, datetime], list[Entry]]


def own_news(conn: Connection, start: datetime, end: datetime) -> list[Entry]:
    """This node's news approved in ``(start, end]``, oldest first."""
    rows = conn.execute(
        select(_item.c.title, _item.c.object_uri, _item.c.source_url, _item.c.decided_at,
               _object.c.document)
        .join(_object, _object.c.uri == _item.c.object_uri)
        .where(_item.c.state == "approved", _object.c.deleted_at.is_(None),
               _item.c.decided_at > start, _item.c.decided_at <= end)
        .order_by(_item.c.decided_at, _item.c.id).limit(MAX_ENTRIES))
    entries: list[Entry] = []
    for title, uri, source, decided, doc in rows:
        content = str(doc.get("content") or "") if isinstance(doc, dict) else ""
        entries.append(Entry(title=title, url=uri, summary=_plain(content),
                             source_url=source, origin="",
                             approved=as_utc(decided).isoformat()))
    return entries


def picked_news(conn: Connection, start: datetime, end: datetime) -> list[Entry]:
    """Network items a moderator picked in ``(start, end]``, with their origin host."""
    rows = conn.execute(
        select(_item.c.title, _item.c.object_uri, _item.c.source_url, _item.c.decided_at,
               _object.c.document, _network.c.origin_host)
        .join(_object, _object.c.uri == _item.c.object_uri)
        .join(_network, _network.c.object_uri == _item.c.object_uri)
        .where(_item.c.state == "picked", _object.c.deleted_at.is_(None),
               _item.c.decided_at > start, _item.c.decided_at <= end)
        .order_by(_item.c.decided_at, _item.c.id).limit(MAX_ENTRIES))
    return [Entry(title=title, url=uri, summary=_plain(_content(doc)), source_url=source,
                  origin=origin, approved=as_utc(decided).isoformat())
            for title, uri, source, decided, doc, origin in rows]


def _content(doc: object) -> str:
    return str(doc.get("content") or "") if isinstance(doc, dict) else ""


def _plain(content_html: str) -> str:
    return html.unescape(plain_summary(content_html))


#: What a digest gathers: the node's own approved news, then what it picked.
SOURCES: tuple[Source, ...] = (own_news, picked_news)


@dataclass(frozen=True)
class Made:
    id: int
    title: str
    entries: int
    queued: int
    object_uri: str


def period_start(conn: Connection, end: datetime) -> datetime:
    """Where the period begins: the end of the last digest, at most a week back."""
    last = conn.execute(select(_digest.c.period_end).where(_digest.c.period_end <= end)
                        .order_by(_digest.c.period_end.desc()).limit(1)).scalar()
    week_ago = as_utc(end) - WEEK
    return max(as_utc(last), week_ago) if last is not None else week_ago


def make_digest(node: Node, conn: Connection, *, slot_at: datetime, end: datetime,
                sources: Sequence[Source] = SOURCES) -> Made | None:
    """The digest of ``(start, end]``; ``None`` (and nothing stored) when it is empty."""
    start = period_start(conn, end)
    entries = [e for source in sources for e in source(conn, start, end)]
    entries.sort(key=lambda e: e["approved"])
    if not entries:
        return None
    now, title = node.clock(), digest_title(start, end)
    key = conn.execute(insert(_digest).values(
        slot_at=slot_at, period_start=start, period_end=end, title=title,
        entries=list(entries), object_uri="", created_at=now)).inserted_primary_key
    assert key is not None
    digest_id = int(key[0])
    actor = newswire_actor(conn, base_url=node.settings.url, now=now,
                           node_name=node.settings.node_name,
                           keys=node.actor_keys)
    outbox = node.services.outbox
    article = digest_article(object_id=outbox.new_id("objects"), actor_uri=actor.uri,
                             page_url=f"{node.settings.url}/news/digests/{digest_id}",
                             title=title, entries=entries, now=now)
    create = activity("Create", id=outbox.new_id("activities"), actor=actor.uri,
                      object=str(article["id"]), published=now, to=[PUBLIC],
                      cc=article["cc"])
    outbox.publish(conn, actor=actor, activity=create, obj=article, now=now)
    conn.execute(update(_digest).where(_digest.c.id == digest_id)
                 .values(object_uri=article["id"]))
    queued = queue_mails(conn, digest_id, now)
    # the digest is an entry of the news feed (node.newswire.actor.atom_views): push it
    queue_ping(conn, node.settings.websub_hub, f"{node.settings.url}/news/feed.atom", now)
    return Made(digest_id, title, len(entries), queued, str(article["id"]))


def queue_mails(conn: Connection, digest_id: int, now: datetime) -> int:
    """One queued mail per confirmed subscriber (a pending address never gets one)."""
    confirmed = select(literal(digest_id), _subscriber.c.id, literal("queued"), literal(0),
                       literal(now, _mail.c.due_at.type), literal("")).where(
        _subscriber.c.state == "confirmed")
    conn.execute(insert(_mail).from_select(
        ["digest_id", "subscriber_id", "state", "attempts", "due_at", "error"], confirmed))
    # counted, not the driver's rowcount (psycopg reports none for INSERT ... SELECT here)
    return int(conn.execute(select(func.count()).select_from(_mail)
                            .where(_mail.c.digest_id == digest_id)).scalar_one())
