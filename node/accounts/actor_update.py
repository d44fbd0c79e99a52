"""``Update`` of a local actor's own document, sent to its followers when it changed.

Mastodon (and most servers) re-read a remote actor's name and summary from an Update
whose object is the actor itself (ActivityPub section 7.3); without one, followers keep
the old name until their cache expires. An actor nobody follows sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, select, update

from node.activitypub.actor_document import actor_document
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import Follow, LocalActor
from node.activitypub.vocab import PUBLIC, activity
from node.runtime import Node

_actor = LocalActor.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]


def has_followers(conn: Connection, uri: str) -> bool:
    return bool(conn.execute(select(func.count()).select_from(_follow).where(
        _follow.c.following == uri, _follow.c.state == "accepted")).scalar_one())


def change_actor(node: Node, conn: Connection, actor: LocalActor, **values: Any) -> int:
    """Store ``values`` on the actor's row; how many deliveries of the Update were queued."""
    before = actor_document(actor, base_url=node.settings.url)
    now = node.clock()
    conn.execute(update(_actor).where(_actor.c.id == actor.id).values(updated_at=now, **values))
    changed = find_by_uri(conn, actor.uri)
    assert changed is not None
    after = actor_document(changed, base_url=node.settings.url)
    if after == before or not has_followers(conn, actor.uri):
        return 0
    return send_actor_update(node, conn, changed, after)


def send_actor_update(node: Node, conn: Connection, actor: LocalActor,
                      document: Mapping[str, Any]) -> int:
    """``Update{actor}`` to the actor's followers with its new document embedded whole
    (Mastodon re-reads the profile from the embedded object); the deliveries queued.
    One shape for every local actor: a person, the node's Application, a hub's Group
    (:func:`node.hubs.hub.settings.apply_settings`)."""
    outbox, now = node.services.outbox, node.clock()
    update_activity = activity("Update", id=outbox.new_id("activities"), actor=actor.uri,
                               object=dict(document), published=now, to=[PUBLIC],
                               cc=[f"{actor.uri}/followers"])
    return outbox.publish(conn, actor=actor, activity=update_activity, now=now).deliveries
