"""The node actor follows other nodes and subscribes to relays; and answers requests.

A node is named by its site URL (``https://other.example``: FEP-d556, WebFinger with the
site URL as resource answers with its node actor), its node actor's address
(``@ionode@other.example``: what an ionode node actor answers to) or its actor URL. A
relay is named by its actor URL and is followed the LitePub way (``Follow{as:Public}``).
Follows are the protocol's ``follow`` rows, with our node actor as follower; a
:class:`~node.network.models.NetworkPeer` says whether the other side is a node or a relay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, delete, select, update

from node.activitypub.actors import LookupFailed
from node.activitypub.fetch import FetchFailed
from node.activitypub.following import FollowTarget
from node.activitypub.handlers.follows import send_answer
from node.activitypub.local_actors import ActorError, find_by_kind
from node.activitypub.models import Follow, LocalActor, RemoteActor
from node.activitypub.resolve import JRD_ACCEPT, JRD_MEDIA_TYPES, resolve_account, self_link
from node.activitypub.urls import split_url
from node.activitypub.vocab import PUBLIC, activity, without_context
from node.db import upsert_insert
from node.hosts import BadURL
from node.network.models import NetworkPeer
from node.network.refusal import NetworkRefusal
from node.network.rules import relay_follow
from node.runtime import Node

_follow = Follow.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
NODE_TYPES = frozenset({"Application", "Service", "Organization"})


def node_actor(conn: Connection) -> LocalActor:
    found = find_by_kind(conn, "node")
    if found is None:
        raise ActorError("this node has no node actor yet: run `ionode migrate`")
    return found


def site_url(target: str) -> str | None:
    """``https://host[:port]`` when ``target`` is a bare site URL, else None."""
    if not target.startswith(("https://", "http://")):
        return None
    try:
        scheme, host, path = split_url(target)
    except BadURL:
        return None
    return f"{scheme}://{host}" if path in ("", "/") else None


async def resolve_node(node: Node, target: str) -> str:
    """The actor URI ``target`` names; a site URL through FEP-d556 WebFinger."""
    fetcher = node.services.fetcher
    site = site_url(target)
    if site is None:
        resolved = await resolve_account(fetcher, target)
        if not isinstance(resolved, str):
            raise NetworkRefusal("cannot find %(target)s: %(reason)s", target=target,
                                 reason=resolved.reason)
        return resolved
    url = f"{site}/.well-known/webfinger?resource={quote(site, safe=':/')}"
    fetched = await fetcher.fetch_json(url, accept=JRD_ACCEPT, media_types=JRD_MEDIA_TYPES)
    if isinstance(fetched, FetchFailed):
        raise NetworkRefusal("cannot find the node actor of %(site)s: %(reason)s", site=site,
                             reason=fetched.reason)
    href = self_link(fetched.document)
    if not isinstance(href, str):
        raise NetworkRefusal("%(site)s names no node actor in its WebFinger answer", site=site)
    return href


async def find_peer(node: Node, target: str, *, relay: bool) -> FollowTarget:
    """The node actor (or relay actor) ``target`` names, and its inbox."""
    target = target.strip()
    if not target:
        raise NetworkRefusal("name the node to follow: https://other.example, "
                             "@ionode@other.example or an actor URL")
    uri = target if relay else await resolve_node(node, target)
    own = f"{node.settings.url}/actor"
    if uri == own:
        raise NetworkRefusal("a node cannot follow itself")
    info = await node.services.actors.actor(uri)
    if isinstance(info, LookupFailed):
        raise NetworkRefusal("cannot fetch %(uri)s: %(reason)s", uri=uri, reason=info.reason)
    if info.kind not in NODE_TYPES:
        raise NetworkRefusal("%(uri)s is a %(kind)s, not a relay actor" if relay else
                             "%(uri)s is a %(kind)s, not a node actor",
                             uri=info.uri, kind=info.kind)
    if info.uri == own:
        raise NetworkRefusal("a node cannot follow itself")
    return FollowTarget(uri=info.uri, inbox=info.shared_inbox or info.inbox)


def known_peer(conn: Connection, uri: str) -> FollowTarget | None:
    """A node or relay we follow, from what is stored (its cached inboxes): unfollowing
    must work while the other side is down or gone."""
    me = node_actor(conn)
    followed = conn.execute(select(_follow.c.id).where(
        _follow.c.follower == me.uri, _follow.c.following == uri)).first()
    cached = conn.execute(select(_remote.c.inbox, _remote.c.shared_inbox)
                          .where(_remote.c.uri == uri)).first()
    if followed is None or cached is None:
        return None
    return FollowTarget(uri=uri, inbox=cached.shared_inbox or cached.inbox)


async def peer_to_unfollow(node: Node, target: str) -> FollowTarget:
    """The follow ``target`` names: from what is stored when we follow it (the peer may be
    down or gone), else looked up as :func:`find_peer` does. The CLI and the admin page
    both unfollow through here."""

    def stored() -> FollowTarget | None:
        with node.engine.connect() as conn:
            return known_peer(conn, target.strip())

    return await asyncio.to_thread(stored) or await find_peer(node, target, relay=False)


def remember_peer(conn: Connection, actor_uri: str, kind: str, now: datetime) -> None:
    conn.execute(upsert_insert(conn.dialect.name, _peer).values(
        actor_uri=actor_uri, kind=kind, created_at=now, received=0)
        .on_conflict_do_update(index_elements=["actor_uri"], set_={"kind": kind}))


def follow_peer(node: Node, conn: Connection, target: FollowTarget, *, relay: bool,
                kind: str | None = None) -> str:
    """Record a pending follow of ``target`` by the node actor and queue the Follow.

    A follow already pending or accepted is refused; a rejected one may be asked again.
    ``kind`` names what the peer is when it is neither a node nor a relay (``source``:
    :mod:`node.network.sources`).
    """
    me = node_actor(conn)
    now = node.clock()
    outbox = node.services.outbox
    follow_id = outbox.new_id("activities")
    values: dict[str, Any] = {"activity_id": follow_id, "state": "pending", "updated_at": now}
    existing = conn.execute(select(_follow.c.id, _follow.c.state).where(
        _follow.c.follower == me.uri, _follow.c.following == target.uri)).first()
    if existing is not None and existing.state in ("pending", "accepted"):
        raise NetworkRefusal("this node already follows %(uri)s (%(state)s)", uri=target.uri,
                             state=existing.state)
    if existing is None:  # a concurrent submit that claimed the pair first wins
        claimed = conn.execute(upsert_insert(conn.dialect.name, _follow).values(
            follower=me.uri, following=target.uri, created_at=now, **values)
            .on_conflict_do_nothing(index_elements=["follower", "following"])
            .returning(_follow.c.id)).first() is not None
    else:
        claimed = conn.execute(update(_follow).where(
            _follow.c.id == existing.id, _follow.c.state == "rejected").values(**values)
        ).rowcount == 1
    if not claimed:
        state = conn.execute(select(_follow.c.state).where(
            _follow.c.follower == me.uri, _follow.c.following == target.uri)).scalar()
        raise NetworkRefusal("this node already follows %(uri)s (%(state)s)", uri=target.uri,
                             state=state or "pending")
    remember_peer(conn, target.uri, kind or ("relay" if relay else "node"), now)
    document = (relay_follow(follow_id=follow_id, node_uri=me.uri, relay_uri=target.uri)
                if relay else activity("Follow", id=follow_id, actor=me.uri,
                                       object=target.uri, to=[target.uri]))
    outbox.publish(conn, actor=me, activity=document, now=now, to_followers=False,
                   inboxes=[target.inbox])
    return follow_id


def unfollow_peer(node: Node, conn: Connection, target: FollowTarget) -> str:
    """Drop our follow of ``target`` and queue ``Undo{Follow}`` (the Follow embedded)."""
    me = node_actor(conn)
    row = conn.execute(select(_follow).where(
        _follow.c.follower == me.uri, _follow.c.following == target.uri)).first()
    if row is None:
        raise NetworkRefusal("this node does not follow %(uri)s", uri=target.uri)
    kind = conn.execute(select(_peer.c.kind).where(_peer.c.actor_uri == target.uri)).scalar()
    # the peer row stays: a relay that followed us back is still told apart as a relay
    conn.execute(delete(_follow).where(_follow.c.id == row.id))
    outbox = node.services.outbox
    undone = (relay_follow(follow_id=row.activity_id, node_uri=me.uri, relay_uri=target.uri)
              if kind == "relay" else
              activity("Follow", id=row.activity_id, actor=me.uri, object=target.uri))
    undo = activity("Undo", id=outbox.new_id("activities"), actor=me.uri,
                    object=without_context(undone), to=[target.uri])
    outbox.publish(conn, actor=me, activity=undo, now=node.clock(), to_followers=False,
                   inboxes=[target.inbox])
    return str(undo["id"])


def pending_requests(conn: Connection) -> list[str]:
    """Actors waiting for the operator's answer to their Follow of the node."""
    me = node_actor(conn)
    return list(conn.execute(select(_follow.c.follower).where(
        _follow.c.following == me.uri, _follow.c.state == "pending")
        .order_by(_follow.c.id)).scalars())


def answer_request(node: Node, conn: Connection, follower: str, *, accept: bool) -> None:
    """Accept (the follower then gets the node's relayed activity) or Reject a request.

    The answer embeds the Follow as we recorded it (id, actor, object), as Mastodon
    sends and expects; a relay's Follow had ``as:Public`` as its object.
    """
    me = node_actor(conn)
    row = conn.execute(select(_follow).where(
        _follow.c.follower == follower, _follow.c.following == me.uri,
        _follow.c.state == "pending")).first()
    if row is None:
        raise NetworkRefusal("no pending follow request from %(actor)s", actor=follower)
    kind = conn.execute(select(_peer.c.kind).where(_peer.c.actor_uri == follower)).scalar()
    follow: Mapping[str, Any] = {
        "id": row.activity_id, "type": "Follow", "actor": follower,
        "object": PUBLIC if kind == "relay" else me.uri}
    if accept:
        conn.execute(update(_follow).where(_follow.c.id == row.id).values(
            state="accepted", updated_at=node.clock()))
    else:
        conn.execute(delete(_follow).where(_follow.c.id == row.id))
    send_answer(node.services.outbox, conn, "Accept" if accept else "Reject", me, follow,
                row.inbox or "", node.clock())
