"""Follow any fediverse actor that publishes: a source (issue 9 item 3).

A Mobilizon group, a Gancio instance, a Mastodon account, a Lemmy community or another
ionode's hub is followed by this node's actor like a node is (``Follow{actor}``, a
``follow`` row with the node actor as follower), and remembered as a ``source`` peer.
It is named by its address (``@group@mobilizon.example``, ``!community@lemmy.example``
is written ``@community@lemmy.example``), its actor URL, or a site URL whose WebFinger
answers for the site (FEP-d556). What it then sends is taken by
:mod:`node.network.source_receive` (its own Creates, Updates and Deletes) and by
:mod:`node.network.receive` (its Announces: a Lemmy community's
``Announce{Create{Page}}``, a Mobilizon group's ``Announce{Create{Event}}``, a boost).
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from node.activitypub.actors import LookupFailed
from node.activitypub.following import FollowTarget
from node.activitypub.handling import HandlerContext
from node.activitypub.models import Follow
from node.activitypub.resolve import resolve_account
from node.network.follows import follow_peer, resolve_node, site_url
from node.network.models import NetworkPeer
from node.network.refusal import NetworkRefusal
from node.runtime import Node

#: The actor types that publish: people, groups (Mobilizon, Lemmy, ionode hubs) and
#: services (a Gancio instance's actor, a node or a bot).
SOURCE_TYPES = frozenset({"Person", "Group", "Organization", "Application", "Service"})
SOURCE = "source"
_follow = Follow.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]


async def resolve_source(node: Node, target: str) -> str:
    """The actor URI ``target`` names: an address through WebFinger, a site URL through
    FEP-d556, an actor or profile URL through its document."""
    typed, community = target, target.startswith("!")  # Lemmy's community address
    if community:
        target = "@" + target[1:]
    if site_url(target) is not None:
        return await resolve_node(node, target)
    # a person and a community may share the name: the "!" asks for the community
    resolved = await resolve_account(node.services.fetcher, target,
                                     "Group" if community else None)
    if not isinstance(resolved, str):
        raise NetworkRefusal("cannot find %(target)s: %(reason)s", target=typed,
                             reason=resolved.reason)
    return resolved


async def find_source(node: Node, target: str) -> FollowTarget:
    """The actor ``target`` names and its inbox, refused when it cannot publish."""
    target = target.strip()
    if not target:
        raise NetworkRefusal("name the source to follow: @group@mobilizon.example, "
                             "an actor URL or a site URL")
    uri = await resolve_source(node, target)
    own = f"{node.settings.url}/"
    if uri.startswith(own) or uri == node.settings.url:
        raise NetworkRefusal("a node cannot follow itself")
    info = await node.services.actors.actor(uri)
    if isinstance(info, LookupFailed):
        raise NetworkRefusal("cannot fetch %(uri)s: %(reason)s", uri=uri, reason=info.reason)
    if info.kind not in SOURCE_TYPES:
        raise NetworkRefusal("%(uri)s is a %(kind)s, not an actor that publishes",
                             uri=info.uri, kind=info.kind)
    return FollowTarget(uri=info.uri, inbox=info.shared_inbox or info.inbox)


def follow_source(node: Node, conn: Connection, target: FollowTarget) -> str:
    """Ask to follow the source; pending until it accepts (Mobilizon groups and Lemmy
    communities may hold the request for their moderators)."""
    return follow_peer(node, conn, target, relay=False, kind=SOURCE)


async def group_hub(ctx: HandlerContext, sender: str) -> str | None:
    """A Group (a Mobilizon group, a Lemmy community, a hub) is the hub of what it
    publishes or shares; a person's or an instance's post names none."""
    info = await ctx.actors.actor(sender)
    return sender if not isinstance(info, LookupFailed) and info.kind == "Group" else None


def followed_source(conn: Connection, node_uri: str, sender: str) -> bool:
    """True when the node actor ``node_uri`` follows ``sender`` as a source and it
    accepted (one indexed lookup on the inbox's path)."""
    return conn.execute(
        select(_follow.c.id).join(_peer, _peer.c.actor_uri == _follow.c.following)
        .where(_follow.c.follower == node_uri, _follow.c.following == sender,
               _follow.c.state == "accepted", _peer.c.kind == SOURCE)).first() is not None
