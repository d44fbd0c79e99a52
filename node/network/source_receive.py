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

from sqlalchemy import Connection, select

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of
from node.activitypub.handlers.objects import object_document
from node.activitypub.handling import HandlerContext
from node.activitypub.models import StoredObject
from node.activitypub.urls import same_host
from node.activitypub.vocab import is_public, ref
from node.network.receive import keep
from node.network.sources import followed_source, group_hub
from node.network.unwrap import Received

#: What a source publishes that the network shows (Lemmy's posts are Pages).
TAKEN = frozenset({"Note", "Article", "Page", "Question", "Event"})
_objects = StoredObject.__table__  # type: ignore[attr-defined]


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
    await ctx.db(lambda conn: keep(conn, received, sender, now))
    return True


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
    if not is_public(document):
        raise Ignore("a source's item that is not public")
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
    return True


def register(dispatcher: Dispatcher) -> Dispatcher:
    dispatcher.add_hook("Create", on_published)
    dispatcher.add_hook("Update", on_published)
    dispatcher.add_hook("Delete", on_deleted)
    return dispatcher
