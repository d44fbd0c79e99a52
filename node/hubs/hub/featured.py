"""Pinned items of a hub and its ``featured`` collection.

Mastodon serves pinned posts as the actor's ``featured`` OrderedCollection with the
objects inline (``toot:featured``); Lemmy reads a community's ``featured`` collection as
its stickied posts. Local objects are listed whole, with the author's FEP-8b32 proof,
so a receiver can check them; another server's object is listed by id only, since an
embedded third-party copy must not be trusted (SECURITY.md, CVE-2024-23832).

Mastodon keeps only pinned posts *authored by the account itself*
(``ActivityPub::FetchFeaturedCollectionService`` selects ``status.account_id ==
@account.id``), so members' posts pinned in a hub show on ionode and Lemmy-like
receivers, not on Mastodon profiles.

The protocol layer must not import hubs (tests/unit/test_layering.py):
:func:`actor_sources` hands it :func:`featured_items` and
:func:`~node.hubs.hub.settings.actor_extras` when the node is built.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update

from node.activitypub.actor_sources import ActorSources
from node.activitypub.models import LocalActor, StoredObject
from node.activitypub.vocab import is_public
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.moderation import require_steward
from node.hubs.hub.publish import HubError, HubTarget
from node.hubs.hub.settings import actor_extras
from node.messages import N_, Text
from node.runtime import Node

_hub = Hub.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
MAX_PINNED = 10  # the collection is served inline, unpaged: keep it small
MAX_LISTED_HUBS = 500  # a node's featured hubs, inline too


def set_pinned(node: Node, conn: Connection, target: HubTarget, uri: str, pinned: bool,
               by: str | None = None) -> None:
    """Pin or unpin a published item of the hub (stewards, or the operator)."""
    require_steward(conn, target, by)
    item = conn.execute(select(_item.c.id, _item.c.state, _item.c.pinned).where(
        _item.c.hub_id == target.hub.id, _item.c.object_uri == uri)).first()
    if item is None or item.state != "published" or _deleted(conn, uri):
        raise HubError(Text(
            N_("%(uri)s is not a published item of %(name)s"),
            uri=uri, name=target.name))
    if bool(item.pinned) == pinned:
        raise HubError(Text(N_("%(uri)s is already pinned in %(name)s") if pinned else
                            N_("%(uri)s is not pinned in %(name)s"), uri=uri, name=target.name))
    if pinned and _pinned_count(conn, target) >= MAX_PINNED:
        raise HubError(Text(
            N_("%(name)s already has %(MAX_PINNED)s pinned items; unpin one first"),
            name=target.name, MAX_PINNED=MAX_PINNED))
    conn.execute(update(_item).where(_item.c.id == item.id).values(
        pinned=pinned, updated_at=node.clock()))


def _deleted(conn: Connection, uri: str) -> bool:
    row = conn.execute(select(_objects.c.deleted_at).where(_objects.c.uri == uri)).first()
    return row is None or row.deleted_at is not None


def _pinned_count(conn: Connection, target: HubTarget) -> int:
    return int(conn.execute(select(func.count()).select_from(_item).where(
        _item.c.hub_id == target.hub.id, _item.c.pinned.is_(True))).scalar_one())


def featured_items(conn: Connection, actor: LocalActor) -> list[Any]:
    """The ``orderedItems`` of ``actor``'s featured collection, newest item first.

    (Mastodon orders by pin time; ``hub_item`` has no ``pinned_at`` column yet.)
    """
    if actor.kind == "node":
        return node_hubs(conn)
    if actor.kind != "group":
        return []
    rows = conn.execute(
        select(_objects.c.uri, _objects.c.local, _objects.c.document)
        .join(_item, _item.c.object_uri == _objects.c.uri)
        .join(_hub, _hub.c.id == _item.c.hub_id)
        .where(_hub.c.actor_id == actor.id, _item.c.pinned.is_(True),
               _item.c.state == "published", _objects.c.deleted_at.is_(None))
        .order_by(_item.c.id.desc()).limit(MAX_PINNED))
    return [(dict(r.document) if r.local else r.uri) for r in rows
            if isinstance(r.document, dict) and is_public(r.document)]


def node_hubs(conn: Connection) -> list[str]:
    """The node actor's ``featured``: the ids of the node's discoverable hubs.

    What a following node backfills (node/network/backfill.py): a node actor's own
    outbox holds only what it relayed since it was first followed, its hubs hold the
    history. Ids only: each hub's document is fetched from its origin.
    """
    actors = LocalActor.__table__  # type: ignore[attr-defined]
    return list(conn.execute(
        select(actors.c.uri).join(_hub, _hub.c.actor_id == actors.c.id)
        .where(actors.c.kind == "group", actors.c.deleted_at.is_(None),
               actors.c.discoverable.is_(True))
        .order_by(actors.c.id).limit(MAX_LISTED_HUBS)).scalars())


def actor_sources() -> ActorSources:
    """What hubs add to Group actors: pinned items in ``featured``, the header image."""
    return ActorSources(featured=featured_items, extras=actor_extras)
