"""A hub follows a source (issue 9 item 3): any fediverse actor that publishes.

A steward of a hub names a Mobilizon group (``@group@mobilizon.example``), a Gancio
instance (its actor URL or site), a Mastodon account (``@user@mastodon.example``) or a
Lemmy community (``!community@lemmy.example``); the hub's Group actor sends it an
ordinary ``Follow`` (ActivityPub 7.5), signed as the hub, exactly as a link does
(:func:`node.hubs.hub.links.ask_follow`). The ``follow`` row holds the state: pending
until the source answers, ``accepted``, or ``rejected`` (shown as refused). A
``hub_source`` row tells it from a linked hub.

What the source then sends is kept by the linked-hub machinery: its ``Announce``\\ s by
:mod:`node.hubs.hub.linked_inbound` (a Mobilizon group's ``Announce{Create{Event}}``, a
Lemmy community's ``Announce{Create{Page}}``), its own ``Create``/``Update``/``Delete``
by :mod:`node.hubs.hub.source_inbound`; either way the item is a ``hub_item`` of origin
``linked`` naming the source in ``linked_from``, hidden and shown by a steward like a
linked hub's, and its history is backfilled on ``Accept`` as for links. Another
ionode's hub is linked, not followed as a source: its stewards then see a link request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from node.activitypub.actors import LookupFailed
from node.activitypub.models import Follow, RemoteActor
from node.activitypub.remote_actor import RemoteActorInfo
from node.activitypub.resolve import parse_account
from node.db import upsert_insert
from node.hubs.hub.links import LinkTarget, follow_once, local_hub_uri, unfollow
from node.hubs.hub.models import HubSource
from node.hubs.hub.moderation import require_steward
from node.hubs.hub.publish import HubError, HubTarget
from node.messages import N_, Text, refusal
from node.network.refusal import NetworkRefusal
from node.network.sources import SOURCE_TYPES, resolve_source
from node.runtime import Node

_follow = Follow.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
_source = HubSource.__table__  # type: ignore[attr-defined]
LINK_INSTEAD = N_(
    "%(uri)s is an ionode hub: link it instead (ionode hub link, or the "
    '"Link a hub" form), so its stewards see a link request'
)


@dataclass(frozen=True)
class Source:
    """A source of a hub as its stewards see it: pending, accepted or rejected."""

    uri: str
    state: str


def is_ionode_hub(info: RemoteActorInfo) -> bool:
    """An ionode hub's Group: at ``/hubs/{name}``, with an FEP-521a ``assertionMethod``
    Ed25519 Multikey (Mobilizon's groups are at ``/@name``, Lemmy's communities at
    ``/c/name``, and neither publishes such a key). The cached actor has no document:
    ``multikeys`` are the keys of ``assertionMethod`` that parsing kept."""
    return (
        info.kind == "Group"
        and bool(info.preferred_username)
        and info.uri.endswith(f"/hubs/{info.preferred_username}")
        and bool(info.multikeys)
    )


async def find_hub_source(node: Node, target: str) -> LinkTarget:
    """The actor ``target`` names, refused with a reason when it is nowhere to be found,
    is not an actor that publishes, or is an ionode hub (to be linked instead)."""
    target = target.strip()
    if not target:
        raise HubError(
            Text(
                N_(
                    "name the source to follow: @group@mobilizon.example, "
                    "!community@lemmy.example or an actor URL"
                )
            )
        )
    local = local_hub_uri(node, target)
    if local is not None:
        raise HubError(Text(LINK_INSTEAD, uri=local))
    try:
        uri = await resolve_source(node, target)
    except NetworkRefusal as exc:
        raise HubError(refusal(exc)) from exc
    if uri == node.settings.url or uri.startswith(f"{node.settings.url}/"):
        raise HubError(
            Text(N_("%(uri)s is on this node: a hub follows sources elsewhere"), uri=uri)
        )
    info = await node.services.actors.actor(uri)
    if isinstance(info, LookupFailed):
        raise HubError(Text(N_("cannot fetch %(uri)s: %(reason)s"), uri=uri, reason=info.reason))
    if info.kind not in SOURCE_TYPES:
        raise HubError(
            Text(
                N_("%(uri)s is a %(kind)s, not an actor that publishes"),
                uri=info.uri,
                kind=info.kind,
            )
        )
    if is_ionode_hub(info):
        raise HubError(Text(LINK_INSTEAD, uri=info.uri))
    return LinkTarget(info.uri, info.shared_inbox or info.inbox)


def add_source(
    node: Node, conn: Connection, target: HubTarget, source: LinkTarget, by: str | None = None
) -> str:
    """Follow ``source`` as the hub: a pending follow, its ``Follow``, a ``hub_source``."""
    require_steward(conn, target, by)

    def already(state: str) -> HubError:
        return HubError(
            Text(
                N_("%(name)s already follows %(uri)s (%(state)s)"),
                name=target.name,
                uri=source.uri,
                state=state,
            )
        )

    follow_id = follow_once(node, conn, target, source, already)
    conn.execute(
        upsert_insert(conn.dialect.name, _source)
        .values(hub_id=target.hub.id, actor_uri=source.uri, created_at=node.clock())
        .on_conflict_do_nothing(index_elements=["hub_id", "actor_uri"])
    )
    return follow_id


def remove_source(
    node: Node, conn: Connection, target: HubTarget, uri: str, by: str | None = None
) -> int:
    """Stop following the source (``Undo{Follow}``); its items leave the hub's page,
    the ones a steward hid stay hidden. How many items left."""
    require_steward(conn, target, by)
    found = conn.execute(
        delete(_source).where(_source.c.hub_id == target.hub.id, _source.c.actor_uri == uri)
    )
    if not found.rowcount:
        raise HubError(Text(N_("%(uri)s is not a source of %(name)s"), uri=uri, name=target.name))
    row = conn.execute(
        select(_follow).where(_follow.c.follower == target.actor.uri, _follow.c.following == uri)
    ).first()
    return 0 if row is None else unfollow(node, conn, target, row)


def sources(conn: Connection, target: HubTarget) -> list[Source]:
    """The hub's sources in the order they were added, each with its follow's state."""
    rows = conn.execute(
        select(_source.c.actor_uri, _follow.c.state)
        .select_from(
            _source.outerjoin(
                _follow,
                (_follow.c.following == _source.c.actor_uri)
                & (_follow.c.follower == target.actor.uri),
            )
        )
        .where(_source.c.hub_id == target.hub.id)
        .order_by(_source.c.id)
    )
    return [Source(r.actor_uri, r.state or "rejected") for r in rows]


def known_source(conn: Connection, target: HubTarget, who: str) -> str:
    """A source of the hub named by its URL or address (``@name@host``, ``!name@host``),
    as ``ionode hub source remove`` takes it."""
    who = who.strip()
    followed = [s.uri for s in sources(conn, target)]
    if who in followed:
        return who
    account = parse_account("@" + who[1:] if who.startswith("!") else who)
    if account is not None:
        found = conn.execute(
            select(_remote.c.uri).where(
                _remote.c.preferred_username == account[0],
                _remote.c.host == account[1],
                _remote.c.uri.in_(followed),
            )
        ).scalar()
        if found is not None:
            return str(found)
    raise HubError(Text(N_("%(who)s is not a source of %(name)s"), who=who, name=target.name))
