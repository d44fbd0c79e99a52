"""What a followed source publishes itself: ``Create``, ``Update`` and ``Delete`` of its
Notes, Articles, Pages, Questions and Events (a Gancio instance's ``Create{Event}``, a
Mastodon account's ``Create{Note}``, a Mobilizon group's own posts).

The inbox has checked the HTTP signature and that an embedded object is the sender's
own, on its host (:mod:`node.activitypub.origin`), so the embedded document is taken
as it is; an object sent by id is fetched from its origin. It is stored once, as a
node's relayed items are (:func:`node.network.receive.keep`): the whole document kept,
its origin recorded (the source itself is the "hub" when it is a Group), an Event
indexed for the network calendar. Anything else the source sends goes on to the
protocol's handlers as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, exists, select

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of
from node.activitypub.handlers.objects import object_document
from node.activitypub.handling import HandlerContext
from node.activitypub.models import StoredObject
from node.activitypub.urls import same_host
from node.activitypub.vocab import is_public, ref, refs
from node.network.models import ItemOrigin, NetworkItem
from node.network.receive import keep
from node.network.sources import followed_source, group_hub
from node.network.unwrap import Received

#: What a source publishes that the network shows (Lemmy's posts are Pages).
TAKEN = frozenset({"Note", "Article", "Page", "Question", "Event"})
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]
_origins = ItemOrigin.__table__  # type: ignore[attr-defined]


async def _source(ctx: HandlerContext, activity: Mapping[str, Any]) -> str | None:
    sender = actor_of(activity)
    node_uri = f"{ctx.base_url}/actor"
    if ctx.is_local(sender) or not await ctx.read_about(
            sender, "followed by the node", lambda c: followed_source(c, node_uri, sender)):
        return None
    return sender


async def on_published(ctx: HandlerContext, activity: Mapping[str, Any]) -> bool:
    """A source's ``Create`` or ``Update``: its object stored, or updated in place."""
    sender = await _source(ctx, activity)
    if sender is None:
        return False
    received = await published(ctx, activity, sender)
    if received is None:
        return False  # not something the network shows: the protocol's handlers decide
    now = ctx.clock()
    await ctx.db(lambda conn: None if _kept(conn, received) else keep(conn, received,
                                                                       sender, now))
    return goes_no_further(activity)


def _kept(conn: Connection, received: Received) -> bool:
    """A Create already kept whole (the hubs' source hook, earlier in this turn, kept
    it for the hubs that follow the same source): keeping it again would count it twice."""
    if received.action != "store":
        return False
    found = select(_items.c.id).where(_items.c.object_uri == received.uri)
    if received.hub is not None:
        found = found.where(exists().where(_origins.c.object_uri == received.uri,
                                           _origins.c.hub_uri == received.hub))
    return conn.execute(found.limit(1)).first() is not None


def goes_no_further(activity: Mapping[str, Any]) -> bool:
    """Whether a source's activity, once kept, ends the hooks' turn: an ``Update`` does
    (kept is all there is to it); a ``Create`` or ``Delete`` goes on, so that the
    newswire (a post addressed to ``@news``, a source ``@news`` follows) and the
    protocol's handlers see it too. A hook that takes an activity ends the turn, and
    the newswire's hooks come after the hubs' and the network's: a followed source's
    submission to ``@news`` was kept on the hub and never queued."""
    return activity.get("type") == "Update"


async def published(ctx: HandlerContext, activity: Mapping[str, Any],
                    sender: str) -> Received | None:
    """What the source ``sender``'s ``Create`` or ``Update`` asks to keep (an Update of
    an item we never got is stored), None for a type the network does not show. Shared
    with the hubs that follow sources (:mod:`node.hubs.hub.source_inbound`)."""
    document = await object_document(ctx, activity)
    uri = ref(document)
    if document.get("type") not in TAKEN or uri is None:
        return None
    if not same_host(uri, sender):
        raise Ignore("a source's object on another host")
    if sender not in refs(document.get("attributedTo")):
        # SECURITY.md "Identity and origin": the inbox lets an embedded object with no
        # author through, and a fetched one may be a neighbour's on the same host; a
        # source publishes its own (a boost is an Announce), as on_create requires
        raise Ignore("a source's Create or Update of an object that is not its own")
    if not is_public(document):
        return None  # not the network's; a direct note to @news is the newswire's
    action = "store" if activity.get("type") == "Create" else "update"
    hub = await group_hub(ctx, sender)
    if action == "update" and not await ctx.db(lambda c: _known(c, uri)):
        action = "store"
    return Received(action, uri, sender, hub, document)


def _known(conn: Connection, uri: str) -> bool:
    """An Update of an item that never reached us (sent before we followed) is stored."""
    return conn.execute(select(_objects.c.id).where(_objects.c.uri == uri)).first() is not None


async def on_deleted(ctx: HandlerContext, activity: Mapping[str, Any]) -> bool:
    """A source deletes one of its items: gone from the timeline and the calendar."""
    sender = await _source(ctx, activity)
    uri = ref(activity.get("object"))
    if sender is None or uri is None or uri == sender:
        return False
    now = ctx.clock()
    await ctx.db(lambda conn: keep(conn, Received("delete", uri, sender, None), sender, now))
    return goes_no_further(activity)


def register(dispatcher: Dispatcher) -> Dispatcher:
    dispatcher.add_hook("Create", on_published)
    dispatcher.add_hook("Update", on_published)
    dispatcher.add_hook("Delete", on_deleted)
    return dispatcher
