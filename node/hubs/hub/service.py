"""Creating hubs: a Group actor (FEP-1b12) and its settings row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select

from node.activitypub.keys import KeySource, generate_actor_keys
from node.activitypub.local_actors import RESERVED, USERNAME_RE, ActorError, create_local_actor
from node.activitypub.models import LocalActor
from node.hubs.hub.members import set_member
from node.hubs.hub.models import Hub
from node.hubs.hub.publish import HubTarget
from node.messages import N_, Text
from node.text import post_html

_hub = Hub.__table__  # type: ignore[attr-defined]


def create_hub(conn: Connection, *, base_url: str, name: str, title: str, now: datetime,
               summary: str = "", admins: Sequence[str] = (), timezone: str = "",
               keys: KeySource = generate_actor_keys) -> LocalActor:
    """A new Group actor; the title is required (it is the hub's display name).

    The mission statement is Markdown, rendered and sanitised like a post. ``admins``
    (actor URIs: the organizers the CLI names, the one who fills the web form) become
    the hub's admins in the same transaction, so no hub is ever left without one.
    ``timezone`` (an IANA name checked by the caller; "" follows the node's) is the one
    its pages show times in.
    """
    # the hub's own words: "username" means nothing to an organizer naming a hub
    if not USERNAME_RE.fullmatch(name):
        raise ActorError(Text(N_("the hub name %(name)s must be 1-30 characters of a-z, 0-9 "
                                 "and _ (lower case)"), name=repr(name)))
    if name in RESERVED:
        raise ActorError(Text(N_("the hub name %(name)s is reserved"), name=repr(name)))
    if not title.strip():
        raise ActorError(Text(N_("a hub needs a title")))
    if len(title) > 200:
        raise ActorError(Text(N_("a hub title may have at most 200 characters")))
    mission = post_html(summary) if summary.strip() else ""
    actor = create_local_actor(conn, base_url=base_url, kind="group", username=name,
                               display_name=title.strip(), summary=mission, now=now,
                               keys=keys)
    source = {"summary_source": summary.strip()} if mission else {}  # else the default ""
    conn.execute(insert(_hub).values(actor_id=actor.id, follow_policy="open",
                                     posting_policy="members", region="", tags=[], links=[],
                                     created_at=now, timezone=timezone, **source))
    if admins:
        row = conn.execute(select(_hub).where(_hub.c.actor_id == actor.id)).one()
        target = HubTarget(hub=Hub(**row._mapping), actor=actor)
        for uri in admins:
            set_member(conn, target, uri, "admin", now)
    return actor
