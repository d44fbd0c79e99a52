"""The news sources ``@news`` follows: other nodes' newswires (``@news@other``) and any
fediverse account or group that posts news.

Following is the protocol's: a ``follow`` row with ``@news`` as follower, pending until
the source's ``Accept`` (ActivityPub 7.5; :mod:`node.activitypub.following`), and an
``Undo{Follow}`` embedding the Follow to stop. A source is named by its handle
(``@news@other.example``), its actor URL, or a bare site URL, which stands for that
site's newswire (``acct:news@host``, what every ionode node answers).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from node.activitypub.following import FollowTarget, find_target, follow, unfollow
from node.activitypub.local_actors import ActorError
from node.activitypub.models import Follow, RemoteActor
from node.activitypub.urls import host_of
from node.hosts import BadURL
from node.newswire.actor.service import USERNAME, newswire_actor
from node.newswire.errors import NewsError
from node.runtime import Node

ALREADY = "the newswire already follows that source"
NOT_FOLLOWED = "the newswire does not follow that source"
NOT_ITSELF = "the newswire cannot follow itself"
NAME_IT = "name the source: @news@other.example, an actor URL or a site URL"

_follow = Follow.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Source:
    uri: str
    handle: str
    state: str  # pending | accepted | rejected


def source_address(target: str) -> str:
    """What to resolve: a bare site URL means that site's newswire."""
    target = target.strip()
    if not target:
        raise NewsError(NAME_IT)
    if target.startswith(("https://", "http://")):
        try:
            host = host_of(target)
        except BadURL as exc:
            raise NewsError(f"{NAME_IT}: {exc}") from exc
        if target.rstrip("/").endswith(host):
            return f"acct:{USERNAME}@{host}"
    return target


async def find_source(node: Node, target: str) -> FollowTarget:
    """The actor ``target`` names and the inbox to send the Follow to."""
    own = f"{node.settings.url}/news"
    address = source_address(target)
    if address.rstrip("/") in (own, f"acct:{USERNAME}@{node.settings.host}") or \
            address.lstrip("@") == f"{USERNAME}@{node.settings.host}":
        raise NewsError(NOT_ITSELF)
    try:
        found = await find_target(node, address)
    except ActorError as exc:
        raise NewsError(str(exc)) from exc
    if found.uri == own:
        raise NewsError(NOT_ITSELF)
    return found


def follow_source(node: Node, conn: Connection, target: FollowTarget) -> str:
    """Queue ``@news``'s Follow of ``target``; the Follow's id."""
    news = newswire_actor(conn, base_url=node.settings.url, now=node.clock(),
                          node_name=node.settings.node_name,
                          keys=node.actor_keys)
    state = conn.execute(select(_follow.c.state).where(
        _follow.c.follower == news.uri, _follow.c.following == target.uri)).scalar()
    if state in ("pending", "accepted"):
        raise NewsError(ALREADY)
    return follow(node, conn, USERNAME, target)


def stored_source(conn: Connection, node: Node, target: str) -> FollowTarget:
    """A followed source from what is stored (it may be down or gone): by actor URI or
    by its ``@user@host`` handle."""
    for source in sources(conn, node.settings.url):
        if target.strip() in (source.uri, source.handle, source.handle.lstrip("@")):
            inbox = conn.execute(select(_remote.c.inbox).where(
                _remote.c.uri == source.uri)).scalar()
            return FollowTarget(uri=source.uri, inbox=str(inbox or ""))
    raise NewsError(NOT_FOLLOWED)


def unfollow_source(node: Node, conn: Connection, target: str) -> str:
    """Stop following a source: the row goes, an ``Undo{Follow}`` is queued."""
    found = stored_source(conn, node, target)
    try:
        return unfollow(node, conn, USERNAME, found)
    except ActorError as exc:
        raise NewsError(NOT_FOLLOWED) from exc


def sources(conn: Connection, base_url: str) -> list[Source]:
    """The sources ``@news`` follows or asked to, oldest first."""
    rows = conn.execute(
        select(_follow.c.following, _follow.c.state, _remote.c.preferred_username,
               _remote.c.host)
        .outerjoin(_remote, _remote.c.uri == _follow.c.following)
        .where(_follow.c.follower == f"{base_url}/news").order_by(_follow.c.id))
    return [Source(r.following, f"@{r.preferred_username}@{r.host}" if r.preferred_username
                   else "", r.state) for r in rows]
