"""The queue and its decisions: approve (maybe edited) or reject citing a clause.

Approving writes, in ONE transaction, the item's new state, its log entries, the
signed ``Article`` by ``@news``, its ``Create`` and a delivery row per follower inbox
(:meth:`node.activitypub.outbox.Outbox.publish`), so followers get it at once and a
crash loses nothing. Every decision is logged with the moderator's role only. News sent
from the fediverse also gets a direct reply with the outcome, in the same transaction
(:mod:`node.newswire.fediverse.reply`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from node.activitypub.models import StoredObject
from node.activitypub.vocab import PUBLIC, activity
from node.newswire.actor.service import newswire_actor
from node.newswire.conduct.rules import cite
from node.newswire.conduct.service import in_force
from node.newswire.errors import NewsError
from node.newswire.fediverse.reply import send_reply
from node.newswire.models import NewsItem, NewsLogEntry
from node.newswire.moderation.article import news_article
from node.newswire.submissions.rules import check_body, check_title
from node.newswire.websub.service import queue_ping
from node.runtime import Node

NOT_WAITING = "this news item is not waiting in the queue"
SENDER_BLOCKED = ("this news came from an account or domain this node blocks, or its "
                  "original post is gone: it cannot be published (reject it)")
QUEUE_LIMIT = 200
MAX_NOTE = 1000
NOTE_TOO_LONG = "the note may have at most 1000 characters"

_item = NewsItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Waiting:
    """A queued item as its moderators see it (the contact shows only here)."""

    id: int
    title: str
    body: str
    links: list[str]
    source_url: str
    submitter_name: str
    contact_email: str
    submitted_at: datetime
    submitter_actor: str = ""  # news from the fediverse: who sent it, linked by handle
    submitter_handle: str = ""
    submitter_inbox: str = ""  # "" for a hub of this node that sent its item


@dataclass(frozen=True)
class Approved:
    object_uri: str
    deliveries: int
    edited: bool


def waiting(conn: Connection, limit: int = QUEUE_LIMIT) -> list[Waiting]:
    """The queue, oldest first."""
    rows = conn.execute(select(_item).where(_item.c.state == "waiting")
                        .order_by(_item.c.id).limit(limit))
    return [Waiting(r.id, r.title, r.body, list(r.links or []), r.source_url,
                    r.submitter_name, r.contact_email, r.submitted_at, r.submitter_actor,
                    r.submitter_handle, r.submitter_inbox) for r in rows]


def _waiting_row(conn: Connection, item_id: int) -> Any:
    row = conn.execute(select(_item).where(_item.c.id == item_id)).first()
    if row is None or row.state != "waiting":
        raise NewsError(NOT_WAITING)
    return row


def _log_entry(conn: Connection, item_id: int, action: str, title: str, role: str,
               now: datetime, clause: str = "", note: str = "") -> None:
    conn.execute(insert(_log).values(item_id=item_id, action=action, title=title,
                                     clause=clause, note=note, role=role, at=now))


def _check_sender(node: Node, conn: Connection, row: Any) -> None:
    """Refuse news whose sender, or the post or hub item it was sent as, is blocked now.

    A block made while the news waited (issue 10 item 8: "content from blocked actors
    never appears ... whether it arrives directly, ... forwarded") tombstones the stored
    post but not the queued copy of its text: publishing it would bring it back.
    """
    rules = node.services.policy.rules(conn)
    if rules.refusal(row.submitter_actor or None) or rules.refusal(row.submitted_object):
        raise NewsError(SENDER_BLOCKED)
    if row.submitted_object:
        stored = conn.execute(select(_object.c.attributed_to, _object.c.deleted_at)
                              .where(_object.c.uri == row.submitted_object)).first()
        if stored is not None and (stored.deleted_at is not None
                                   or rules.refusal(stored.attributed_to)):
            raise NewsError(SENDER_BLOCKED)


def approve(node: Node, conn: Connection, item_id: int, *, role: str,
            title: str | None = None, body: str | None = None) -> Approved:
    """Publish the item as an Article by ``@news``; a changed title or body is an edit."""
    row = _waiting_row(conn, item_id)
    _check_sender(node, conn, row)
    new_title = check_title(title) if title is not None else row.title
    new_body = check_body(body) if body is not None else row.body
    edited = new_title != row.title or new_body.strip() != row.body.strip()
    now = node.clock()
    actor = newswire_actor(conn, base_url=node.settings.url, now=now,
                           node_name=node.settings.node_name,
                           keys=node.actor_keys)
    outbox = node.services.outbox
    article = news_article(object_id=outbox.new_id("objects"), actor_uri=actor.uri,
                           title=new_title, markdown=new_body, links=list(row.links or []),
                           source_url=row.source_url, submitter_name=row.submitter_name,
                           submitter_uri=row.submitter_actor,
                           edited=edited, now=now)
    create = activity("Create", id=outbox.new_id("activities"), actor=actor.uri,
                      object=str(article["id"]), published=now, to=[PUBLIC],
                      cc=article["cc"])
    published = outbox.publish(conn, actor=actor, activity=create, obj=article, now=now)
    claimed = conn.execute(update(_item).where(_item.c.id == item_id,
                                               _item.c.state == "waiting")
                           .values(state="approved", title=new_title, body=new_body,
                                   edited=edited, object_uri=article["id"], decided_at=now))
    if claimed.rowcount != 1:  # another moderator decided first: undo it all
        raise NewsError(NOT_WAITING)
    if edited:
        _log_entry(conn, item_id, "edited", new_title, role, now)
    _log_entry(conn, item_id, "approved", new_title, role, now)
    send_reply(conn, outbox, actor, row, title=new_title, article_uri=str(article["id"]),
               citation="", now=now)
    queue_ping(conn, node.settings.websub_hub, f"{actor.uri}/feed.atom", now)
    return Approved(str(article["id"]), published.deliveries, edited)


def reject(node: Node, conn: Connection, item_id: int, *, role: str, clause: str,
           note: str = "") -> str:
    """Reject the item citing a clause of the current Code of Conduct; the citation."""
    row = _waiting_row(conn, item_id)
    conduct = in_force(conn, "conduct")
    citation = cite(conduct.markdown if conduct else None,
                    conduct.version if conduct else 0, clause)
    text = " ".join(note.split())
    if len(text) > MAX_NOTE:
        raise NewsError(NOTE_TOO_LONG)
    now = node.clock()
    claimed = conn.execute(update(_item).where(_item.c.id == item_id,
                                               _item.c.state == "waiting")
                           .values(state="rejected", clause=citation, decided_at=now))
    if claimed.rowcount != 1:
        raise NewsError(NOT_WAITING)
    _log_entry(conn, row.id, "rejected", row.title, role, now, citation, text)
    news = newswire_actor(conn, base_url=node.settings.url, now=now,
                          node_name=node.settings.node_name,
                          keys=node.actor_keys)
    send_reply(conn, node.services.outbox, news, row, title=row.title, article_uri=None,
               citation=citation, now=now)
    return citation
