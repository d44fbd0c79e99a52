"""Updates: the short Markdown items an organizer posts, a public ``Note`` on the wire.

An update may go into hubs of this node (``ionode post --hub``, the hub's "manage"
page); deleting and editing any item, updates included, is :mod:`node.hubs.hub.items`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, isoformat
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.hub.publish import load_hub, organizer, publish_item
from node.runtime import Node
from node.text import TagLinks, as_tags, post_html


@dataclass(frozen=True)
class PostResult:
    note: dict[str, Any]
    deliveries: int


def post_update(node: Node, conn: Connection, author_name: str, text: str,
              hub_names: Sequence[str] = (),
              attachments: Sequence[Mapping[str, Any]] = (),
              remote: Sequence[RemoteHub] = ()) -> PostResult:
    """Publish an update (a public Note) by ``author_name`` into the named hubs.

    ``attachments`` are ``Image`` objects (:meth:`node.media.service.StoredImage.as_object`),
    shown by Mastodon under the text. ``remote`` hubs are on other nodes (cross-posting,
    :mod:`node.hubs.crosspost`)."""
    author = organizer(conn, author_name)
    hubs = [load_hub(conn, name) for name in dict.fromkeys(hub_names)]
    now = node.clock()
    note_id = node.services.outbox.new_id("objects")
    to = [PUBLIC, *(t.actor.uri for t in hubs)]
    tagging = TagLinks(node.settings.url)
    note: dict[str, Any] = {
        "@context": list(ACTIVITY_CONTEXT),
        "id": note_id, "type": "Note", "attributedTo": author.uri,
        "content": post_html(text, links=tagging), "published": isoformat(now), "url": note_id,
        # FEP-c16b-style source: the Markdown the organizer wrote, for editing it later
        "source": {"content": text, "mediaType": "text/markdown"},
        "to": to, "cc": [f"{author.uri}/followers"],
    }
    if attachments:
        note["attachment"] = [dict(a) for a in attachments]
    if tags := as_tags(text, tagging):
        note["tag"] = tags  # Hashtag and Mention entries, as Mastodon reads them
    if hubs:
        note["audience"] = hubs[0].actor.uri
    result = publish_item(node, conn, author=author, obj=note, kind="update", hubs=hubs,
                          remote=remote)
    return PostResult(note=result.object, deliveries=result.deliveries)
