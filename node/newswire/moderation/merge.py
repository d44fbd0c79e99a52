"""Merging duplicates (issue 10 item 3: moderators "approve, edit, merge duplicates, or
reject"): a waiting submission that tells news already in the queue or on the newswire
is closed as ``merged`` into that item instead of being published twice.

The decision is one entry of the public moderation log (``merged``, the duplicate's
title, the item it joined as the note, the moderator's role), and the submitter's
tracking page names the item it was merged into. A fediverse submitter gets the usual
direct reply, pointing to the published item when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from node.newswire.actor.service import newswire_actor
from node.newswire.errors import NewsError
from node.newswire.fediverse.reply import send_reply
from node.newswire.models import NewsItem
from node.newswire.moderation.service import NOT_WAITING, _log_entry, _waiting_row
from node.runtime import Node

#: what a duplicate may be merged into: news waiting, published or picked
TARGET_STATES = ("waiting", "approved", "picked")
CANDIDATES = 100
SAME_ITEM = "a news item cannot be merged into itself"
NO_TARGET = "there is no news item of that number waiting or published to merge into"

_item = NewsItem.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Candidate:
    """An item a duplicate can be merged into, for the queue's choice."""

    id: int
    title: str
    published: bool


def candidates(conn: Connection, limit: int = CANDIDATES) -> list[Candidate]:
    """The waiting news and the latest published, newest first (the queue's menu)."""
    rows = conn.execute(select(_item.c.id, _item.c.title, _item.c.state)
                        .where(_item.c.state.in_(TARGET_STATES))
                        .order_by(_item.c.id.desc()).limit(limit))
    return [Candidate(r.id, r.title, r.state != "waiting") for r in rows]


@dataclass(frozen=True)
class Merged:
    id: int
    into: int
    into_title: str
    into_uri: str | None  # the published Article (or picked item), if any


def merge(node: Node, conn: Connection, item_id: int, *, into: int, role: str) -> Merged:
    """Close waiting item ``item_id`` as a duplicate of item ``into``; logged publicly."""
    if item_id == into:
        raise NewsError(SAME_ITEM)
    row = _waiting_row(conn, item_id)
    target = conn.execute(select(_item.c.id, _item.c.title, _item.c.state,
                                 _item.c.object_uri).where(_item.c.id == into)).first()
    if target is None or target.state not in TARGET_STATES:
        raise NewsError(NO_TARGET)
    now = node.clock()
    claimed = conn.execute(update(_item).where(_item.c.id == item_id,
                                               _item.c.state == "waiting")
                           .values(state="merged", merged_into=into, decided_at=now))
    if claimed.rowcount != 1:  # another moderator decided first
        raise NewsError(NOT_WAITING)
    _log_entry(conn, item_id, "merged", row.title, role, now, note=target.title)
    news = newswire_actor(conn, base_url=node.settings.url, now=now,
                          node_name=node.settings.node_name,
                          keys=node.actor_keys)
    send_reply(conn, node.services.outbox, news, row, title=target.title,
               article_uri=target.object_uri, citation="", now=now, merged=True)
    return Merged(item_id, into, target.title, target.object_uri)
