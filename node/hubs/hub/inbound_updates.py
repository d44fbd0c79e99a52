"""Updates of posts hubs hold, from other servers: an ``Update`` hook on the dispatcher.

When the author of a remote post a hub holds edits it (a new time for an Event, a new
text for a Note, a poll's tallies), the protocol's rule applies first (only the owner,
only with a newer ``updated``, :func:`node.activitypub.remote_objects.apply_update`);
then, in the same transaction, the hub items that index the post are refreshed (an
Event's start and end, :func:`node.hubs.hub.inbound.item_times`, and ``updated_at``, which
keys the calendars' block cache) and each hub that published the post Announces the
Update to its followers (FEP-1b12 "The Announce activity": a group announces every
activity in it, as it does the Create and the Delete), whole when it carries a proof,
else by id. Titles and places are read from the stored document, never copied.

An Update of anything no hub holds, of a local object or of an actor is left to the
protocol handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select, update

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of
from node.activitypub.handlers.objects import object_document
from node.activitypub.handling import HandlerContext
from node.activitypub.models import StoredObject
from node.activitypub.remote_objects import apply_update
from node.activitypub.vocab import ref
from node.hubs.hub.inbound import announce_remote, as_received, item_times
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import hub_by_id

_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


def _held(conn: Connection, uri: str) -> bool:
    return conn.execute(select(_item.c.id).where(_item.c.object_uri == uri).limit(1)
                        ).first() is not None


async def on_update(ctx: HandlerContext, update_activity: Mapping[str, Any]) -> bool:
    """The dispatcher hook: True when the Update was of a post local hubs hold."""
    actor = actor_of(update_activity)
    uri = ref(update_activity.get("object"))
    if uri is None or uri == actor or ctx.is_local(uri):
        return False
    if not await ctx.db(lambda conn: _held(conn, uri)):
        return False
    document = await object_document(ctx, update_activity)
    if ref(document) != uri:
        raise Ignore("updated object id changed")
    return await ctx.db(lambda conn: _refresh(ctx, conn, update_activity, document, actor))


def _refresh(ctx: HandlerContext, conn: Connection, update_activity: Mapping[str, Any],
             document: Mapping[str, Any], actor: str) -> bool:
    uri = str(ref(document))
    rows = conn.execute(select(_item.c.hub_id, _item.c.state)
                        .where(_item.c.object_uri == uri)).all()
    if not rows:
        return False  # taken out of its hubs meanwhile: the protocol handler decides
    problem = apply_update(conn, document, actor)
    if problem is not None:
        raise Ignore(problem)
    stored = conn.execute(select(_objects.c.document).where(_objects.c.uri == uri)).scalar()
    now = ctx.clock()
    conn.execute(update(_item).where(_item.c.object_uri == uri).values(
        updated_at=now, **item_times(stored if isinstance(stored, Mapping) else document)))
    shared = {r.hub_id for r in rows if r.state == "published"}
    for target in (t for t in (hub_by_id(conn, i) for i in sorted(shared)) if t is not None):
        announce_remote(conn, ctx.outbox, target.actor,
                        [as_received(update_activity)], actor, None, now)
    return True


def register(dispatcher: Dispatcher) -> None:
    dispatcher.add_hook("Update", on_update)
