"""Organizers publishing public Notes, optionally into hubs of this node."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from node.activitypub.delivery import deliveries_for_followers
from node.activitypub.local_actors import ActorError, find_by_username
from node.activitypub.models import StoredObject
from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, activity, isoformat, refs
from node.hubs.publish import load_hub, publish_item
from node.runtime import Node
from node.text import post_html

_objects = StoredObject.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PostResult:
    note: dict[str, Any]
    deliveries: int


def post_note(node: Node, conn: Connection, author_name: str, text: str,
              hub_names: Sequence[str] = ()) -> PostResult:
    """Publish a public Note (a hub "update") by ``author_name`` into the named hubs."""
    author = find_by_username(conn, author_name)
    if author is None or author.kind != "person" or author.deleted_at is not None:
        raise ActorError(f"no organizer named {author_name!r} on this node")
    hubs = [load_hub(conn, name) for name in dict.fromkeys(hub_names)]
    now = node.clock()
    note_id = node.services.outbox.new_id("objects")
    to = [PUBLIC, *(t.actor.uri for t in hubs)]
    note: dict[str, Any] = {
        "@context": list(ACTIVITY_CONTEXT),
        "id": note_id, "type": "Note", "attributedTo": author.uri,
        "content": post_html(text), "published": isoformat(now), "url": note_id,
        # FEP-c16b-style source: the Markdown the organizer wrote, for editing it later
        "source": {"content": text, "mediaType": "text/markdown"},
        "to": to, "cc": [f"{author.uri}/followers"],
    }
    if hubs:
        note["audience"] = hubs[0].actor.uri
    result = publish_item(node, conn, author=author, obj=note, kind="update", hubs=hubs)
    return PostResult(note=result.object, deliveries=result.deliveries)


def delete_note(node: Node, conn: Connection, author_name: str, uri: str) -> int:
    """Tombstone a local Note and send Delete to everyone who could have it.

    The author's followers get the Delete, and so do the followers of each local hub the
    Note was posted into: they received it through the hub's Announce. Our copy then
    answers 410 with a Tombstone (Mastodon deletes its copy on that, too).
    """
    author = find_by_username(conn, author_name)
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if author is None or row is None or not row.local or row.deleted_at is not None:
        raise ActorError(f"no post {uri} on this node")
    if row.attributed_to != author.uri:
        raise ActorError(f"{author_name} is not the author of {uri}")
    now = node.clock()
    hubs = [h for h in refs((row.document or {}).get("to"))
            if h.startswith(f"{node.settings.url}/hubs/")]
    inboxes = [i for hub in hubs for i in deliveries_for_followers(conn, hub)]
    conn.execute(update(_objects).where(_objects.c.id == row.id).values(
        document=None, deleted_at=now))
    outbox = node.services.outbox
    tombstone = {"id": uri, "type": "Tombstone", "formerType": row.type}
    delete = activity("Delete", id=outbox.new_id("activities"), actor=author.uri,
                      object=tombstone, published=now, to=[PUBLIC])
    return outbox.publish(conn, actor=author, activity=delete, now=now, inboxes=inboxes).deliveries
