"""A moderator's decision on a report: dismiss it, or act on it.

Acting is either ``removed``: each of this node's reported items is deleted and the
``Delete`` goes to everyone who could have it (:func:`node.hubs.hub.items.delete_item`:
the author's followers and those of each hub it was in; news of ``@news`` leaves the
front page and is marked removed), or ``forwarded``: remote content, whose origin's
moderators have the Flag. Every decision is one entry of the public moderation log
(``news_log`` with ``report_id``): what, when, why, the moderator's role and their
note; never the reporter, never the comment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import StoredObject
from node.hubs.hub.items import delete_item
from node.newswire.errors import NewsError
from node.newswire.models import NewsItem, NewsLogEntry
from node.newswire.reports.service import ReportRow, close, report
from node.newswire.websub.service import queue_ping
from node.runtime import Node

ACTIONS = ("removed", "forwarded")
MAX_NOTE = 1000
UNKNOWN_ACTION = "the action must be removed or forwarded"
NOT_OURS = ("only this node's items can be removed; remote content is for its origin's "
            "moderators: choose forwarded")
NOTHING_TO_REMOVE = "the report names no item of this node to remove"
NOT_REMOTE = "forwarded is for remote content; this report is about this node's own"
NOTE_TOO_LONG = "the note may have at most 1000 characters"
NOT_OPEN = "this report is already decided"

_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_news = NewsItem.__table__  # type: ignore[attr-defined]


def _note(note: str) -> str:
    text = " ".join(note.split())
    if len(text) > MAX_NOTE:
        raise NewsError(NOTE_TOO_LONG)
    return text


def _log_decision(conn: Connection, found: ReportRow, action: str, role: str, note: str,
                  now: datetime) -> None:
    conn.execute(insert(_log).values(item_id=None, report_id=found.id, action=action,
                                     title=found.label[:200], clause=found.reason[:300],
                                     note=note, role=role, at=now))


def dismiss(node: Node, conn: Connection, report_id: int, *, role: str,
            note: str = "") -> ReportRow:
    """Nothing to act on: the report is closed and the decision logged."""
    text, now = _note(note), node.clock()
    found = close(conn, report_id, state="dismissed", action="", note=text, now=now)
    _log_decision(conn, found, "dismissed", role, text, now)
    return found


def _forwarded_news(conn: Connection, uri: str) -> list[str]:
    """The news made from hub item ``uri`` (:mod:`node.newswire.forwards`): its waiting
    copy leaves the queue, its published Article is removed with it."""
    rows = conn.execute(select(_news.c.id, _news.c.state, _news.c.object_uri).where(
        _news.c.submitted_object == uri, _news.c.state.in_(("waiting", "approved")))).all()
    waiting = [r.id for r in rows if r.state == "waiting"]
    if waiting:
        conn.execute(update(_news).where(_news.c.id.in_(waiting), _news.c.state == "waiting")
                     .values(state="removed"))
    return [r.object_uri for r in rows if r.state == "approved" and r.object_uri]


def _remove(node: Node, conn: Connection, found: ReportRow, now: datetime) -> int:
    """Delete each reported local item that still stands, and the news forwarded from
    it (the same text, republished by @news); the deliveries queued."""
    deliveries = removed = 0
    uris = list(found.object_uris)
    for uri in uris:
        row = conn.execute(select(_objects.c.attributed_to, _objects.c.local,
                                  _objects.c.deleted_at).where(_objects.c.uri == uri)).first()
        if row is None or not row.local or row.deleted_at is not None:
            continue
        author = find_by_uri(conn, row.attributed_to or "")
        if author is None:
            continue
        deliveries += delete_item(node, conn, author.username, uri)
        uris += [u for u in _forwarded_news(conn, uri) if u not in uris]
        news = conn.execute(update(_news).where(_news.c.object_uri == uri)
                            .values(state="removed", decided_at=now))
        if news.rowcount:  # the news feed lost an entry: its WebSub readers must hear it
            queue_ping(conn, node.settings.websub_hub,
                       f"{node.settings.url}/news/feed.atom", now)
        removed += 1
    if not removed:
        raise NewsError(NOTHING_TO_REMOVE)
    return deliveries


def act(node: Node, conn: Connection, report_id: int, *, role: str, action: str,
        note: str = "") -> int:
    """Act on a report (``removed`` or ``forwarded``); the deliveries queued."""
    if action not in ACTIONS:
        raise NewsError(UNKNOWN_ACTION)
    text, now = _note(note), node.clock()
    found = report(conn, report_id)
    if found.state != "open":
        raise NewsError(NOT_OPEN)
    if action == "removed" and not found.local:
        raise NewsError(NOT_OURS)
    if action == "forwarded" and found.local:
        raise NewsError(NOT_REMOTE)
    deliveries = _remove(node, conn, found, now) if action == "removed" else 0
    close(conn, report_id, state="acted", action=action, note=text, now=now)
    _log_decision(conn, found, action, role, text, now)
    return deliveries
