"""What a source our hubs follow publishes itself: ``Create``, ``Update`` and ``Delete``
of its Notes, Articles, Pages, Questions and Events (a Gancio instance's
``Create{Event}``, a Mastodon account's ``Create{Note}``, a Mobilizon group's own posts).

The source's ``Announce``\\ s are a linked hub's (:mod:`node.hubs.hub.linked_inbound`);
these hooks take the rest, read exactly as the node reads the sources it follows
(:func:`node.network.source_receive.published`: the inbox checked the signature and
that an embedded object is the sender's own, on its host, else it is fetched from its
origin). The object is stored once and indexed for the network timeline and calendar
(:func:`node.network.receive.keep`), and each following hub gets a ``hub_item`` of
origin ``linked`` naming the source (:func:`node.hubs.hub.linked_items.add_linked`).

An object some hub holds as its own post (a member's, or a post into the hub) is left
to the hub's own handlers (:mod:`node.hubs.hub.inbound`, ``inbound_updates``): the
Create hook runs after them, the Update and Delete hooks before them only for objects
held as linked items alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from node.activitypub.dispatch import Dispatcher
from node.activitypub.handlers.common import actor_of
from node.activitypub.handling import HandlerContext
from node.activitypub.models import Follow, LocalActor
from node.activitypub.vocab import ref
from node.hubs.hub.linked_items import add_linked, drop_linked, refresh_times
from node.hubs.hub.links import LINKED
from node.hubs.hub.models import Hub, HubItem, HubSource
from node.network.receive import keep
from node.network.source_receive import goes_no_further, published
from node.network.unwrap import Received

_follow = Follow.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_source = HubSource.__table__  # type: ignore[attr-defined]


def source_hubs(conn: Connection, sender: str) -> list[int]:
    """Our live hubs that follow ``sender`` as a source and whose follow it accepted."""
    return list(
        conn.execute(
            select(_hub.c.id)
            .select_from(
                _source.join(_hub, _hub.c.id == _source.c.hub_id)
                .join(_actor, _actor.c.id == _hub.c.actor_id)
                .join(
                    _follow,
                    (_follow.c.follower == _actor.c.uri)
                    & (_follow.c.following == _source.c.actor_uri),
                )
            )
            .where(
                _source.c.actor_uri == sender,
                _follow.c.state == "accepted",
                _actor.c.deleted_at.is_(None),
            )
            .order_by(_hub.c.id)
        ).scalars()
    )


def _own_post(conn: Connection, uri: str) -> bool:
    """Some hub holds ``uri`` as its own post (not a linked item): its handlers decide."""
    return (
        conn.execute(
            select(_item.c.id).where(_item.c.object_uri == uri, _item.c.origin != LINKED).limit(1)
        ).first()
        is not None
    )


async def _hubs(ctx: HandlerContext, activity: Mapping[str, Any]) -> tuple[str, list[int]]:
    sender = actor_of(activity)
    uri = ref(activity.get("object"))
    if ctx.is_local(sender) or uri is None or uri == sender or ctx.is_local(uri):
        return sender, []

    # most senders are no hub's source: asked first, once a batch (issue 7, 1.13)
    hubs = await ctx.read_about(sender, "source_hubs", lambda conn: source_hubs(conn, sender))
    if not hubs or await ctx.db(lambda conn: _own_post(conn, uri)):
        return sender, []
    return sender, hubs


def keep_for_hubs(
    conn: Connection, received: Received, sender: str, hub_ids: list[int], now: datetime
) -> None:
    """Kept as the node keeps a source's item, then on (or off) the following hubs."""
    keep(conn, received, sender, now)
    if received.action == "store" and received.document is not None:
        add_linked(conn, hub_ids, sender, received.document, now)
    elif received.action == "update":
        refresh_times(conn, received.uri, now)
    elif received.action == "delete":
        drop_linked(conn, received.uri)


async def on_published(ctx: HandlerContext, activity: Mapping[str, Any]) -> bool:
    """A followed source's ``Create`` or ``Update``: stored, shown on our hubs."""
    sender, hubs = await _hubs(ctx, activity)
    if not hubs:
        return False
    received = await published(ctx, activity, sender)
    if received is None:
        return False  # not something hubs show: the protocol's handlers decide
    now = ctx.clock()
    await ctx.db(lambda conn: keep_for_hubs(conn, received, sender, hubs, now))
    return goes_no_further(activity)


async def on_deleted(ctx: HandlerContext, activity: Mapping[str, Any]) -> bool:
    """A followed source deletes one of its items: off our hubs, the timeline and the
    calendar (only the author may: :func:`node.activitypub.remote_objects.apply_delete`)."""
    sender, hubs = await _hubs(ctx, activity)
    uri = ref(activity.get("object"))
    if not hubs or uri is None:
        return False
    now = ctx.clock()
    received = Received("delete", uri, sender, None)
    await ctx.db(lambda conn: keep_for_hubs(conn, received, sender, hubs, now))
    return goes_no_further(activity)


def register_edits(dispatcher: Dispatcher) -> Dispatcher:
    """Before the hubs' own Update and Delete hooks: a source's edit also moves the
    network calendar, its delete also leaves the timeline."""
    dispatcher.add_hook("Update", on_published)
    dispatcher.add_hook("Delete", on_deleted)
    return dispatcher


def register(dispatcher: Dispatcher) -> Dispatcher:
    """After the hubs' own Create hook (a post into a hub stays a post into a hub)."""
    dispatcher.add_hook("Create", on_published)
    return dispatcher
