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

An edit passes the same filters as the Create did (SECURITY.md, "Akkoma: Update skipped
the moderation filters"): a post that is no longer public, or whose type now makes it
another kind of item, is taken out of every hub (as a Delete takes it) and not
Announced; the hub's posting decision is taken again, so a removed member's edit is
neither Announced nor kept. A poll's tally refresh (no newer ``updated``) updates the
counts and is not Announced: every vote would otherwise reach every hub follower.

An Update of anything no hub holds, of a local object or of an actor is left to the
protocol handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of
from node.activitypub.handlers.objects import object_document
from node.activitypub.handling import HandlerContext
from node.activitypub.models import StoredObject
from node.activitypub.remote_objects import update_remote
from node.activitypub.vocab import is_public, ref
from node.hubs.hub.inbound import announce_remote, as_received, item_kind, item_times
from node.hubs.hub.models import HubItem
from node.hubs.hub.moderation import undo_shares
from node.hubs.hub.notices import notice_kind_of
from node.hubs.hub.policy import decide
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
    rows = conn.execute(select(_item).where(_item.c.object_uri == uri)).all()
    if not rows:
        return False  # taken out of its hubs meanwhile: the protocol handler decides
    before = conn.execute(select(_objects.c.document).where(_objects.c.uri == uri)).scalar()
    outcome = update_remote(conn, document, actor)
    if outcome.problem is not None:
        raise Ignore(outcome.problem)
    stored = conn.execute(select(_objects.c.document).where(_objects.c.uri == uri)).scalar()
    current = stored if isinstance(stored, Mapping) else document
    now = ctx.clock()
    if not is_public(current) or item_kind(current) != item_kind(
            before if isinstance(before, Mapping) else {}):
        # no longer a public post of the same kind: out of every hub, as a Delete takes
        # it, and the hubs' followers take back what the hubs shared
        for row in (r for r in rows if r.origin != "linked"):  # a link shares nothing
            _unshare(ctx, conn, row, now)
        conn.execute(delete(_item).where(_item.c.object_uri == uri))
        return True
    conn.execute(update(_item).where(_item.c.object_uri == uri).values(
        updated_at=now, notice_kind=notice_kind_of(current), **item_times(current)))
    if outcome.tally_only:
        return True  # votes are no edit: only the Question's owner tells its voters
    for row in (r for r in rows if r.state == "published" and r.origin != "linked"):
        _share_edit(ctx, conn, row, update_activity, actor, now)
    return True


def _unshare(ctx: HandlerContext, conn: Connection, row: Any, now: datetime) -> None:
    """Undo the Announces a hub sent of an item leaving it (or going back to its queue)."""
    target = hub_by_id(conn, row.hub_id)
    if target is not None and row.state == "published":
        undo_shares(conn, ctx.outbox, target, row, now)


def _share_edit(ctx: HandlerContext, conn: Connection, row: Any,
                update_activity: Mapping[str, Any], actor: str, now: datetime) -> None:
    """An edit is a new submission (SECURITY.md, "Update skipped the moderation
    filters"): the hub's posting decision is taken again. Published: the hub Announces
    the Update; held: back to the moderation queue; refused (say the author is no longer
    a member): out of the hub. Only a published edit is Announced; a held or refused
    one undoes the hub's earlier Announces, so followers no longer see what the hub
    would not share now."""
    target = hub_by_id(conn, row.hub_id)
    if target is None:
        return
    decision = decide(conn, target.hub, target.actor.uri, actor)
    if decision.state in ("refused", "held"):
        undo_shares(conn, ctx.outbox, target, row, now)
    if decision.state == "refused":
        conn.execute(delete(_item).where(_item.c.id == row.id))
    elif decision.state == "held":
        conn.execute(update(_item).where(_item.c.id == row.id).values(
            state="held", note=decision.reason or None))
    else:
        announce_remote(conn, ctx.outbox, target.actor,
                        [as_received(update_activity)], actor, None, now)


def register(dispatcher: Dispatcher) -> None:
    dispatcher.add_hook("Update", on_update)
