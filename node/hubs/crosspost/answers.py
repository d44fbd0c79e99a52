"""What a hub here answers a post it will not share: ``Reject`` of the ``Create``.

FEP-1b12 lets a group refuse a post; Lemmy and other group servers tell the author with
a ``Reject`` whose ``object`` is the refused activity, as ActivityPub does for a
``Follow`` (section 7.7). ionode embeds the ``Create`` by its id, actor and object (enough
for the author's server to find the post without a fetch) and gives the hub's reason in
``summary`` (plain text), so the author's node shows "refused: <reason>" on the post's
targets page. A post held for moderation gets no answer until a moderator decides:
published is the hub's ``Announce``, refused is this ``Reject``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from node.activitypub.models import LocalActor
from node.activitypub.outbox import Outbox
from node.activitypub.vocab import activity, ref

#: The longest reason sent (a moderator's reason is already capped at 500 characters).
MAX_REASON = 500


def reject_create(conn: Connection, outbox: Outbox, hub: LocalActor, *, create_id: str,
                  object_uri: str, author: str, inbox: str | None, reason: str,
                  now: datetime) -> int:
    """Queue the hub's ``Reject{Create}`` to the author; deliveries queued (0 without an inbox)."""
    if not inbox:
        return 0
    refused = {"id": create_id, "type": "Create", "actor": author, "object": object_uri}
    document = activity("Reject", id=outbox.new_id("activities"), actor=hub.uri,
                        object=refused, published=now, to=[author],
                        summary=reason[:MAX_REASON])
    return outbox.publish(conn, actor=hub, activity=document, now=now, to_followers=False,
                          inboxes=[inbox]).deliveries


def reject_all(conn: Connection, outbox: Outbox, refusals: Sequence[tuple[LocalActor, str]],
               create: Mapping[str, Any], object_uri: str, inbox: str | None,
               now: datetime) -> int:
    """Each refusing hub's ``Reject`` of the received ``create``, with its reason."""
    return sum(reject_create(conn, outbox, hub, create_id=str(create.get("id")),
                             object_uri=object_uri, author=str(ref(create.get("actor"))),
                             inbox=inbox, reason=reason, now=now) for hub, reason in refusals)
