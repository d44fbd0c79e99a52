"""Creating hubs and publishing into them.

FEP-1b12: a member posts an object addressed to the Group; the Group Announces it to
its followers. Mastodon fetches an announced object by id, so the Note is embedded
whole (with its FEP-8b32 proof) and also fetchable at its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from node.activitypub.local_actors import ActorError, create_local_actor, find_by_username
from node.activitypub.models import LocalActor
from node.activitypub.outbox import Outbox, Published
from node.activitypub.vocab import PUBLIC, activity
from node.text import post_html


def create_hub(conn: Connection, *, base_url: str, name: str, title: str, now: datetime,
               summary: str = "") -> LocalActor:
    """A new Group actor; the title is required (it is the hub's display name).

    The mission statement is Markdown, rendered and sanitised like a post.
    """
    if not title.strip():
        raise ActorError("a hub needs a title (--title)")
    if len(title) > 200:
        raise ActorError("a hub title may have at most 200 characters")
    mission = post_html(summary) if summary.strip() else ""
    return create_local_actor(conn, base_url=base_url, kind="group", username=name,
                              display_name=title.strip(), summary=mission, now=now)


def find_hub(conn: Connection, name: str) -> LocalActor:
    hub = find_by_username(conn, name)
    if hub is None or hub.kind != "group" or hub.deleted_at is not None:
        raise ActorError(f"no hub named {name!r} on this node")
    return hub


def announce(conn: Connection, outbox: Outbox, hub: LocalActor, obj: Mapping[str, Any],
             now: datetime) -> Published:
    """The hub shares ``obj`` with its followers (Announce{object}, FEP-1b12 section 4)."""
    document = activity(
        "Announce", id=outbox.new_id("activities"), actor=hub.uri, object=dict(obj),
        published=now, to=[PUBLIC], cc=[f"{hub.uri}/followers"],
    )
    return outbox.publish(conn, actor=hub, activity=document, now=now)

