"""What linked hubs send: their link requests, and the items they share.

* ``Follow`` of one of our hubs by a ``Group`` is a link request: it waits for a steward
  (:mod:`node.hubs.hub.follow_requests`) whatever the hub's follow policy, since a link
  is a relation between two assemblies that each side's stewards decide on.
* ``Announce`` by a hub or a source (:mod:`node.hubs.hub.sources`) one of our hubs
  follows (accepted): FEP-1b12
  ``Announce{Create{...}}`` and ``Announce{object}`` of an item, ``Announce{Update}``,
  ``Announce{Delete}`` and ``Undo{Announce}``. Each is unwrapped and authenticated the
  way the network domain takes what followed nodes relay (:func:`node.network.unwrap.unwrap`,
  SECURITY.md "Identity and origin": a valid FEP-8b32 proof by the author, else a refetch
  from the origin; a proof that does not verify is a forged copy, refused and logged).
  The object is stored once (``stored_object``, with its origin in ``network_item``, so it
  is also on the network timeline, however many paths bring it), and each following hub
  gets a ``hub_item`` of origin ``linked`` (:func:`node.hubs.hub.linked_items.add_linked`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of, inboxes_of, local_actor, remote_actor
from node.activitypub.handlers.follows import send_answer
from node.activitypub.handling import HandlerContext
from node.activitypub.models import Follow, StoredObject
from node.activitypub.vocab import is_public, ref
from node.hubs.hub.linked_items import apply_received, following_hubs
from node.network.sources import group_hub
from node.network.unwrap import Received, unwrap

_follow = Follow.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


async def on_follow(ctx: HandlerContext, follow: Mapping[str, Any]) -> bool:
    """A Group asks to link one of our hubs: a pending request for its stewards."""
    follower, target_uri = actor_of(follow), ref(follow.get("object"))
    if target_uri is None or ctx.is_local(follower) or not ctx.is_local(target_uri):
        return False
    target = await local_actor(ctx, target_uri)
    if target.kind != "group" or (await remote_actor(ctx, follower)).kind != "Group":
        return False
    inbox, shared_inbox = await inboxes_of(ctx, follower)
    now = ctx.clock()

    def record(conn: Connection) -> None:
        existing = conn.execute(select(_follow.c.id, _follow.c.state).where(
            _follow.c.follower == follower, _follow.c.following == target.uri)).first()
        values = {"activity_id": follow["id"], "inbox": inbox, "shared_inbox": shared_inbox,
                  "updated_at": now}
        if existing is None:
            conn.execute(insert(_follow).values(follower=follower, following=target.uri,
                                                created_at=now, state="pending", **values))
            return
        conn.execute(update(_follow).where(_follow.c.id == existing.id).values(**values))
        if existing.state == "accepted":  # a repeated Follow is accepted again (INTEROP.md)
            send_answer(ctx.outbox, conn, "Accept", target, follow, shared_inbox or inbox, now)

    await ctx.db(record)
    return True


def _stored(conn: Connection, uri: str) -> dict[str, Any] | None:
    row = conn.execute(select(_objects.c.document, _objects.c.deleted_at).where(
        _objects.c.uri == uri)).first()
    if row is None or row.deleted_at is not None or not isinstance(row.document, dict):
        return None
    return dict(row.document)


async def on_announce(ctx: HandlerContext, announce: Mapping[str, Any]) -> bool:
    """A linked hub shares something: authenticated, then kept for our following hubs."""
    sender = actor_of(announce)
    if ctx.is_local(sender):
        return False  # our own hubs' links are kept as they publish (linked_items)
    hubs = await ctx.db(lambda conn: following_hubs(conn, sender))
    if not hubs:
        return False
    shared = announce.get("object")
    inner = shared.get("object") if isinstance(shared, Mapping) and shared.get(
        "type") in ("Create", "Update", "Delete") else shared
    if ctx.is_local(ref(inner) or ""):
        return False  # a share of our own object: the protocol counts it
    known = await ctx.db(lambda conn: _stored(conn, shared)) if isinstance(shared, str) \
        else None
    hub = await group_hub(ctx, sender)  # a followed Mastodon account's boost names no hub
    if known is not None:  # Announce{object id} of an item already here: no refetch
        received = Received("store", str(shared), None, hub, known)
    else:
        received = await unwrap(ctx, shared, sender, hub)
    if ctx.is_local(received.uri):
        raise Ignore("our own object, shared back to us by a linked hub")
    if received.document is not None and not is_public(received.document):
        raise Ignore("a linked hub's item that is not public")
    now = ctx.clock()
    await ctx.db(lambda conn: apply_received(conn, received, sender, hubs, now))
    return True


async def on_undo(ctx: HandlerContext, undo: Mapping[str, Any]) -> bool:
    """A linked hub's stewards took an item out (``Undo{Announce}``, sent to the hub's
    followers by its moderation): off the pages of our hubs that follow it, and no
    longer "posted in" that hub. The hub's HTTP signature vouches for its own Undo
    (:func:`node.network.unwrap.unwrap`); an Undo of our own object is the protocol's."""
    sender = actor_of(undo)
    shared = undo.get("object")
    if ctx.is_local(sender) or not isinstance(shared, Mapping) \
            or shared.get("type") != "Announce":
        return False
    hubs = await ctx.db(lambda conn: following_hubs(conn, sender))
    if not hubs:
        return False
    received = await unwrap(ctx, undo, sender, sender)
    if ctx.is_local(received.uri):
        return False
    now = ctx.clock()
    await ctx.db(lambda conn: apply_received(conn, received, sender, hubs, now))
    return True


def register(dispatcher: Dispatcher) -> Dispatcher:
    dispatcher.add_hook("Follow", on_follow)
    dispatcher.add_hook("Announce", on_announce)
    dispatcher.add_hook("Undo", on_undo)
    return dispatcher
