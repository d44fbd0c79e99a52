"""Dispatch hooks of the network: what followed nodes and relays send, and relays'
subscriptions to this node (FEP-ae0c / LitePub: ``Follow{as:Public}``).

Hooks run before the protocol's handlers (:meth:`Dispatcher.add_hook`); each takes only
what is the network's: an ``Announce`` by a node or relay our node actor follows, a
``Follow`` or ``Undo{Follow}`` of ``as:Public``. Everything else goes on as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from node.activitypub.authorship import authors_of
from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of, inboxes_of
from node.activitypub.handlers.follows import send_answer
from node.activitypub.handling import HandlerContext
from node.activitypub.local_actors import find_by_kind
from node.activitypub.models import Follow
from node.activitypub.remote_objects import (
    apply_delete,
    is_tombstoned,
    parse_time,
    store_remote,
    update_remote,
)
from node.activitypub.urls import host_of
from node.activitypub.vocab import is_public
from node.network.directory import heard_of, refresh_group
from node.network.event_index import index_event, unindex_event
from node.network.item_index import index_item, unindex_item
from node.network.models import ItemOrigin, NetworkEvent, NetworkItem, NetworkPeer
from node.network.origins import add_origin, drop_origin
from node.network.policy import follow_policy
from node.network.rules import follows_public
from node.network.sources import followed_source, group_hub
from node.network.unwrap import Received, unwrap

_follow = Follow.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]
_item = NetworkItem.__table__  # type: ignore[attr-defined]
_origin = ItemOrigin.__table__  # type: ignore[attr-defined]
_event = NetworkEvent.__table__  # type: ignore[attr-defined]


def followed_peer(conn: Connection, node_uri: str, sender: str) -> bool:
    """True when our node actor's follow of ``sender`` was accepted."""
    return conn.execute(select(_follow.c.id).where(
        _follow.c.follower == node_uri, _follow.c.following == sender,
        _follow.c.state == "accepted")).first() is not None


async def on_announce(ctx: HandlerContext, announce: Mapping[str, Any]) -> bool:
    """An Announce by a node or relay we follow: take the item it carries."""
    sender = actor_of(announce)
    node_uri = f"{ctx.base_url}/actor"
    if ctx.is_local(sender) or not await ctx.db(lambda c: followed_peer(c, node_uri, sender)):
        return False
    source = await ctx.db(lambda c: followed_source(c, node_uri, sender))
    received = await unwrap(ctx, announce.get("object"), sender,
                            await group_hub(ctx, sender) if source else None)
    if ctx.policy is not None:  # the relayed item's author, hub or host may be blocked
        rules = await ctx.policy.current()
        refused = (rules.refusal(received.uri) or rules.refusal(received.actor)
                   or rules.refusal(received.hub)
                   or rules.document_refusal(received.document or {}))
        if refused is not None:
            raise Ignore(refused)
    if ctx.is_local(received.uri):
        raise Ignore("our own object, relayed back to us")
    if received.action == "profile":  # a hub's Update{Group}: the directory's entry
        document, when = received.document or {}, ctx.clock()
        await ctx.db(lambda conn: refresh_group(conn, document, when))
        return True
    if received.document is not None and not is_public(received.document):
        raise Ignore("a relayed item that is not public")
    now = ctx.clock()
    await ctx.db(lambda conn: keep(conn, received, sender, now))
    return True


def keep(conn: Connection, received: Received, sender: str, now: datetime) -> None:
    """Store, update or tombstone the item; the object once, its origin once."""
    if received.action == "delete":
        problem = apply_delete(conn, received.uri, str(received.actor), now)
        if problem is not None:
            raise Ignore(problem)
        forget_item(conn, received.uri)
    elif received.action == "unshare":  # the hub's moderation reaches the network too
        unshare(conn, received.uri, str(received.hub))
    elif received.action == "update":
        assert received.document is not None
        result = update_remote(conn, received.document, str(received.actor))
        if result.problem is not None:
            raise Ignore(result.problem)
        reindex(conn, received.uri, received.document)
    else:
        assert received.document is not None
        if is_tombstoned(conn, received.uri, authors_of(received.document)):
            raise Ignore("relayed object was deleted by its author")
        store_remote(conn, received.document, now)  # once: a stored object stays as is
        record_origin(conn, received, sender, now)
    conn.execute(update(_peer).where(_peer.c.actor_uri == sender).values(
        last_received_at=now, received=_peer.c.received + 1))


def record_origin(conn: Connection, received: Received, sender: str, now: datetime) -> None:
    """The item's origin (hub and node), recorded the first time the object arrives;
    every hub that shares it is kept besides (:mod:`node.network.origins`)."""
    if received.hub is not None:
        add_origin(conn, received.uri, received.hub, now)
    if conn.execute(select(_item.c.id).where(_item.c.object_uri == received.uri)).first():
        return
    document = received.document or {}
    published = parse_time(document.get("published"))
    inserted = conn.execute(insert(_item).values(
        object_uri=received.uri, object_type=str(document.get("type", "Object"))[:64],
        hub_uri=received.hub, origin_host=host_of(received.uri), via=sender,
        received_at=now, published_at=min(published or now, now)))
    item_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    index_item(conn, item_id, document, received.hub)
    index_event(conn, received.uri, document, hub=received.hub,
                origin_host=host_of(received.uri))
    if received.hub is not None:  # the directory learns of the hub, and of its activity
        heard_of(conn, received.hub, parse_time(document.get("published")) or now, now)


def forget_item(conn: Connection, uri: str) -> None:
    """A deleted object leaves the timeline, the calendar and every "posted in"."""
    unindex_item(conn, list(conn.execute(
        select(_item.c.id).where(_item.c.object_uri == uri)).scalars()))
    conn.execute(delete(_item).where(_item.c.object_uri == uri))
    unindex_event(conn, uri)
    drop_origin(conn, uri)


def unshare(conn: Connection, uri: str, hub: str) -> None:
    """``hub`` took ``uri`` out: it is no longer "posted in" it. The item leaves the
    timeline and calendar only when no other hub still shares it; else the next hub
    that shares it becomes its origin (the hub filters read it)."""
    drop_origin(conn, uri, hub)
    row = conn.execute(select(_item.c.id, _item.c.hub_uri)
                       .where(_item.c.object_uri == uri)).first()
    if row is None or row.hub_uri != hub:
        return
    left = conn.execute(select(_origin.c.hub_uri).where(_origin.c.object_uri == uri)
                        .order_by(_origin.c.id).limit(1)).scalar()
    if left is None:
        unindex_item(conn, [row.id])
        conn.execute(delete(_item).where(_item.c.id == row.id))
        unindex_event(conn, uri)
        return
    conn.execute(update(_item).where(_item.c.id == row.id).values(hub_uri=left))
    conn.execute(update(_event).where(_event.c.object_uri == uri).values(hub_uri=left))


def reindex(conn: Connection, uri: str, document: Mapping[str, Any]) -> None:
    """An edited Event moves on the calendar, an edited item's tags and region follow
    (only for items the network brought)."""
    row = conn.execute(select(_item.c.id, _item.c.hub_uri)
                       .where(_item.c.object_uri == uri)).first()
    if row is not None:
        index_event(conn, uri, document, hub=row.hub_uri, origin_host=host_of(uri))
        index_item(conn, row.id, document, row.hub_uri)


async def on_follow(ctx: HandlerContext, follow: Mapping[str, Any]) -> bool:
    """A relay subscribes to this node: ``Follow{as:Public}`` to our node actor.

    Accepted at once under the ``open`` policy, held for the operator under
    ``approval``; either way the relay is remembered as a relay, so it gets the hubs'
    activity forwarded as it is (:mod:`node.network.relay`).
    """
    if not follows_public(follow):
        return False
    relay = actor_of(follow)
    inbox, shared_inbox = await inboxes_of(ctx, relay)
    now = ctx.clock()

    def record(conn: Connection) -> None:
        me = find_by_kind(conn, "node")
        if me is None:
            raise Ignore("this node has no node actor")
        existing = conn.execute(select(_follow.c.id, _follow.c.state).where(
            _follow.c.follower == relay, _follow.c.following == me.uri)).first()
        accepted = (existing is not None and existing.state == "accepted") or \
            follow_policy(conn) == "open"
        values = {"activity_id": follow["id"], "inbox": inbox, "shared_inbox": shared_inbox,
                  "state": "accepted" if accepted else "pending", "updated_at": now}
        if existing is None:
            conn.execute(insert(_follow).values(follower=relay, following=me.uri,
                                                created_at=now, **values))
        else:
            conn.execute(update(_follow).where(_follow.c.id == existing.id).values(**values))
        if conn.execute(select(_peer.c.id).where(_peer.c.actor_uri == relay)).first() is None:
            conn.execute(insert(_peer).values(actor_uri=relay, kind="relay", created_at=now,
                                              received=0))
        if accepted:
            send_answer(ctx.outbox, conn, "Accept", me, follow, shared_inbox or inbox, now)

    await ctx.db(record)
    return True


async def on_undo(ctx: HandlerContext, undo: Mapping[str, Any]) -> bool:
    """A relay unsubscribes: ``Undo{Follow{as:Public}}``."""
    obj = undo.get("object")
    if not isinstance(obj, Mapping) or obj.get("type") != "Follow" or not follows_public(obj):
        return False
    relay = actor_of(undo)
    node_uri = f"{ctx.base_url}/actor"
    await ctx.db(lambda conn: conn.execute(delete(_follow).where(
        _follow.c.follower == relay, _follow.c.following == node_uri)))
    return True


def register(dispatcher: Dispatcher) -> Dispatcher:
    dispatcher.add_hook("Announce", on_announce)
    dispatcher.add_hook("Follow", on_follow)
    dispatcher.add_hook("Undo", on_undo)
    return dispatcher
