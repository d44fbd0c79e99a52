"""A pick whose original is deleted is withdrawn: ``@news`` takes its Announce back.

A pick is ``@news``'s ``Announce`` of another server's item (:mod:`.service`). When the
item's author deletes it, the Delete reaches ``stored_object`` by whichever path it
came (straight from the author, inside a source's ``Announce``, relayed by a followed
node, through a hub): each tombstones the row under the owner rules
(:func:`node.activitypub.remote_objects.apply_delete`). The front page, its feed and
the digest already leave a tombstoned object out; what they cannot do is tell the
readers who had the boost. So a periodic sweep (every few seconds, one indexed query)
finds the picks whose original is tombstoned and, per pick, in ONE transaction: sends
``Undo{Announce}`` (the Announce embedded, as Mastodon reads an unboost:
``app/lib/activitypub/activity/undo.rb``, ``undo_announce``) to the same audience the
Announce had, marks the news item ``withdrawn``, writes the public log entry (by the
node itself: no moderator decided) and pings the WebSub hub about the feed. The state
change is claimed first (``UPDATE ... WHERE state = 'picked'``), so two processes
sweeping at once send one Undo.
"""

from __future__ import annotations

from typing import Any

import anyio
from sqlalchemy import Connection, insert, select, update

from node.activitypub.models import OutboxActivity, RemoteActor, StoredObject
from node.activitypub.proofs import strip_proof
from node.activitypub.vocab import activity
from node.newswire.actor.service import newswire_actor
from node.newswire.models import NewsItem, NewsLogEntry
from node.newswire.websub.service import queue_ping
from node.runtime import Node

WITHDRAWN = "withdrawn"
BY_NODE = "node"  # the log's role when no moderator decided (the page says why)

_item = NewsItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def deleted_picks(conn: Connection, limit: int = 50) -> list[Any]:
    """Picked news items whose original is tombstoned, oldest first."""
    return list(
        conn.execute(
            select(_item.c.id, _item.c.title, _item.c.submitted_object, _item.c.submitter_actor)
            .join(_object, _object.c.uri == _item.c.submitted_object)
            .where(_item.c.state == "picked", _object.c.deleted_at.is_not(None))
            .order_by(_item.c.id)
            .limit(limit)
        )
    )


def _author_inbox(conn: Connection, author: str) -> list[str]:
    row = conn.execute(
        select(_remote.c.shared_inbox, _remote.c.inbox).where(_remote.c.uri == author)
    ).first()
    inbox = (row.shared_inbox or row.inbox) if row is not None else None
    return [inbox] if inbox else []


def withdraw_pick(node: Node, conn: Connection, pick: Any) -> bool:
    """Withdraw one pick (a :func:`deleted_picks` row); False when another process did."""
    now = node.clock()
    claimed = conn.execute(
        update(_item)
        .where(_item.c.id == pick.id, _item.c.state == "picked")
        .values(state=WITHDRAWN, decided_at=now)
    )
    if claimed.rowcount != 1:
        return False
    news = newswire_actor(
        conn, base_url=node.settings.url, now=now, node_name=node.settings.node_name,
        keys=node.actor_keys)
    outbox = node.services.outbox
    announces = conn.execute(
        select(_outbox.c.document)
        .where(
            _outbox.c.actor_id == news.id,
            _outbox.c.type == "Announce",
            _outbox.c.object_uri == pick.submitted_object,
        )
        .order_by(_outbox.c.id)
    ).scalars()
    for document in announces:
        shared = {k: v for k, v in strip_proof(dict(document)).items() if k != "@context"}
        undo = activity(
            "Undo",
            id=outbox.new_id("activities"),
            actor=news.uri,
            object=shared,
            published=now,
            to=shared.get("to", []),
            cc=shared.get("cc", []),
        )
        outbox.publish(
            conn,
            actor=news,
            activity=undo,
            now=now,
            inboxes=_author_inbox(conn, pick.submitter_actor),
        )
    conn.execute(
        insert(_log).values(
            item_id=pick.id,
            action=WITHDRAWN,
            title=pick.title,
            clause="",
            note="",
            role=BY_NODE,
            at=now,
        )
    )
    queue_ping(conn, node.settings.websub_hub, f"{news.uri}/feed.atom", now)
    return True


def withdraw_deleted(node: Node) -> int:
    """Withdraw every pick whose original is gone, one transaction each; how many."""
    done = 0
    with node.engine.connect() as conn:
        picks = deleted_picks(conn)
    for pick in picks:
        with node.engine.begin() as conn:
            done += withdraw_pick(node, conn, pick)
    return done


async def withdraw_task(node: Node) -> int:
    """The periodic task (:mod:`node.newswire.tasks`)."""
    return await anyio.to_thread.run_sync(withdraw_deleted, node)
