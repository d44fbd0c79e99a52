"""Linked hubs (issue 9 item 2): a hub follows a hub, Group to Group.

Hubs working on the same campaign in different assemblies link: a steward of hub A asks
to link hub B (``@portshutdown@oakland.example``, found through WebFinger, or its URL),
which is an ordinary ``Follow{object: B}`` from A's Group actor (ActivityPub 7.5). B's
stewards see it among their follow requests as a link request and accept or reject it
(:mod:`node.hubs.hub.follow_requests`); accepting may link back (B follows A), making the
link mutual. Once A's follow is accepted, what B Announces (FEP-1b12) reaches A and is
shown on A's page beside A's own items (:mod:`node.hubs.hub.linked_inbound`).

Two hubs of the same node link the same way without a round trip through the inbox:
the follow row is the request, answered by the other hub's stewards.

An item a linked hub shared is a ``hub_item`` of origin ``linked`` naming the hub it came
through (``linked_from``). A steward may hide one from their page (state ``hidden``, kept
across an unlink and a new link); unlinking (``Undo{Follow}``) takes out the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update

from node.activitypub.actors import LookupFailed
from node.activitypub.local_actors import USERNAME_RE
from node.activitypub.models import Follow, LocalActor, RemoteActor
from node.activitypub.resolve import ResolveFailed, parse_account, resolve_account
from node.activitypub.vocab import activity, without_context
from node.db import upsert_insert
from node.hubs.hub.models import HubItem, HubSource
from node.hubs.hub.moderation import require_steward
from node.hubs.hub.publish import HubError, HubTarget, load_hub
from node.messages import N_, Text
from node.runtime import Node

_follow = Follow.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_source = HubSource.__table__  # type: ignore[attr-defined]
LINKED = "linked"
HIDDEN = "hidden"


@dataclass(frozen=True)
class LinkTarget:
    """The other hub: its Group URI and where to send our Follow (None: on this node)."""

    uri: str
    inbox: str | None


@dataclass(frozen=True)
class Link:
    """One hub on the other end of a link: our follow of it and its follow of us."""

    uri: str
    ours: str | None  # pending | accepted | rejected, None: we do not follow it
    theirs: str | None  # pending | accepted, None: it does not follow us

    @property
    def mutual(self) -> bool:
        return self.ours == "accepted" and self.theirs == "accepted"


def hub_handle(uri: str) -> str:
    """``@name@host`` of a hub's URI (``https://host/hubs/name``; Lemmy's ``/c/name``,
    Mobilizon's ``/@name``)."""
    host = uri.split("://", 1)[-1].split("/", 1)[0]
    return f"@{uri.rstrip('/').rsplit('/', 1)[-1].lstrip('@')}@{host}"


def linked_origins(conn: Connection, hub_id: int) -> dict[str, str]:
    """The hub's linked items and the hub each came through (object id -> hub URI)."""
    return {r.object_uri: r.linked_from for r in conn.execute(
        select(_item.c.object_uri, _item.c.linked_from).where(
            _item.c.hub_id == hub_id, _item.c.linked_from.is_not(None),
            _item.c.origin == LINKED))}


def local_hub_uri(node: Node, target: str) -> str | None:
    """The Group URI of a hub of this node named by its name (``portshutdown``, as the
    directory and the cross-post field name it), ``@name@host`` or its URL, else None."""
    base = node.settings.url
    if USERNAME_RE.match(target.removeprefix("@")):
        return f"{base}/hubs/{target.removeprefix('@')}"
    if target.startswith(f"{base}/hubs/"):
        return target.rstrip("/")
    account = parse_account(target)
    if account is not None and account[1] == node.settings.host:
        return f"{base}/hubs/{account[0]}"
    return None


async def find_hub(node: Node, target: str) -> LinkTarget:
    """The hub ``target`` names (a name here, ``@hub@host``, ``acct:``, or its URL),
    checked to be a Group; a hub of this node is looked up in the database by
    :func:`link`."""
    target = target.strip()
    if not target:
        raise HubError(Text(N_(
            "name the hub to link: its name here, @hub@other.example or its URL")))
    local = local_hub_uri(node, target)
    if local is not None:
        return LinkTarget(local, None)
    resolved = await resolve_account(node.services.fetcher, target)
    if isinstance(resolved, ResolveFailed):
        raise HubError(Text(N_("cannot find %(target)s: %(reason)s"), target=target,
                            reason=resolved.reason))
    info = await node.services.actors.actor(resolved)
    if isinstance(info, LookupFailed):
        raise HubError(Text(N_("cannot fetch %(uri)s: %(reason)s"), uri=resolved,
                            reason=info.reason))
    if info.kind != "Group":
        raise HubError(Text(N_("%(uri)s is a %(kind)s, not a hub"), uri=info.uri,
                            kind=info.kind))
    return LinkTarget(info.uri, info.shared_inbox or info.inbox)


def _our_follow(conn: Connection, target: HubTarget, other: str) -> object | None:
    return conn.execute(select(_follow).where(_follow.c.follower == target.actor.uri,
                                              _follow.c.following == other)).first()


def link(node: Node, conn: Connection, target: HubTarget, other: LinkTarget,
         by: str | None = None) -> str:
    """Ask to link ``target`` to ``other``: a pending follow and its ``Follow``."""
    require_steward(conn, target, by)
    if other.uri == target.actor.uri:
        raise HubError(Text(N_("a hub cannot link to itself")))
    if other.uri in source_uris(conn, int(target.hub.id or 0)):
        raise HubError(Text(N_("%(name)s follows %(uri)s as a source; remove the source "
                               "first"), name=target.name, uri=other.uri))
    if other.inbox is None and not _live_local_hub(conn, other.uri):
        raise HubError(Text(N_("no hub %(uri)s on this node"), uri=other.uri))
    def already(state: str) -> HubError:
        return HubError(Text(N_("%(name)s already asked to link %(uri)s (%(state)s)"),
                             name=target.name, uri=other.uri, state=state))

    return follow_once(node, conn, target, other, already)


def follow_once(node: Node, conn: Connection, target: HubTarget, other: LinkTarget,
                already: Callable[[str], HubError]) -> str:
    """The hub's follow of ``other`` asked (:func:`ask_follow`), unless one is pending or
    accepted: then ``already(state)`` is raised. A second identical submit racing the
    first (a double click, two stewards at once) gets that same refusal, not a
    unique-key error: whichever claims the row second finds it taken."""
    existing = conn.execute(select(_follow.c.id, _follow.c.state).where(
        _follow.c.follower == target.actor.uri, _follow.c.following == other.uri)).first()
    if existing is not None and existing.state in ("pending", "accepted"):
        raise already(existing.state)
    follow_id = ask_follow(node, conn, target, other, existing.id if existing else None)
    if follow_id is None:
        state = conn.execute(select(_follow.c.state).where(
            _follow.c.follower == target.actor.uri, _follow.c.following == other.uri)).scalar()
        raise already(str(state or "pending"))
    return follow_id


def ask_follow(node: Node, conn: Connection, target: HubTarget, other: LinkTarget,
               existing: int | None) -> str | None:
    """The hub's follow of ``other`` (the rejected row ``existing`` asked again), pending,
    and the ``Follow`` to its inbox (none for a hub of this node): a link or a source.
    None when a concurrent transaction claimed the row first (``ON CONFLICT DO
    NOTHING``; a rejected row no longer rejected): nothing is sent twice."""
    now, outbox = node.clock(), node.services.outbox
    follow_id = outbox.new_id("activities")
    values = {"activity_id": follow_id, "state": "pending", "updated_at": now}
    if existing is None:
        claimed = conn.execute(
            upsert_insert(conn.dialect.name, _follow)
            .values(follower=target.actor.uri, following=other.uri, created_at=now, **values)
            .on_conflict_do_nothing(index_elements=["follower", "following"])
            .returning(_follow.c.id)).first() is not None
    else:
        claimed = conn.execute(update(_follow).where(
            _follow.c.id == existing, _follow.c.state == "rejected").values(**values)).rowcount == 1
    if not claimed:
        return None
    if other.inbox is not None:
        document = activity("Follow", id=follow_id, actor=target.actor.uri,
                            object=other.uri, to=[other.uri])
        outbox.publish(conn, actor=target.actor, activity=document, now=now,
                       to_followers=False, inboxes=[other.inbox])
    return follow_id


def _live_local_hub(conn: Connection, uri: str) -> bool:
    row = conn.execute(select(_actor.c.username).where(
        _actor.c.uri == uri, _actor.c.kind == "group", _actor.c.deleted_at.is_(None))).first()
    if row is None:
        return False
    try:
        load_hub(conn, row.username)
    except HubError:
        return False
    return True


def unlink(node: Node, conn: Connection, target: HubTarget, other: str,
           by: str | None = None) -> int:
    """Stop following ``other`` (``Undo{Follow}``, the Follow embedded) and take out what
    the link brought; hidden items stay hidden. How many items left the page."""
    require_steward(conn, target, by)
    row = conn.execute(select(_follow).where(_follow.c.follower == target.actor.uri,
                                             _follow.c.following == other)).first()
    if row is None or other in source_uris(conn, int(target.hub.id or 0)):
        raise HubError(Text(N_("%(name)s is not linked to %(uri)s"), name=target.name,
                            uri=other))
    return unfollow(node, conn, target, row)


def unfollow(node: Node, conn: Connection, target: HubTarget, row: Any) -> int:
    """Drop the hub's follow ``row`` (a link or a source), send ``Undo{Follow}`` and
    take out the items it brought; how many left the page."""
    other = str(row.following)
    conn.execute(delete(_follow).where(_follow.c.id == row.id))
    inbox = conn.execute(select(_remote.c.shared_inbox, _remote.c.inbox)
                         .where(_remote.c.uri == other)).first()
    if inbox is not None and not other.startswith(f"{node.settings.url}/"):
        outbox = node.services.outbox
        undone = without_context(activity("Follow", id=row.activity_id,
                                          actor=target.actor.uri, object=other))
        undo = activity("Undo", id=outbox.new_id("activities"), actor=target.actor.uri,
                        object=undone, to=[other])
        outbox.publish(conn, actor=target.actor, activity=undo, now=node.clock(),
                       to_followers=False, inboxes=[inbox.shared_inbox or inbox.inbox])
    gone = conn.execute(delete(_item).where(
        _item.c.hub_id == target.hub.id, _item.c.origin == LINKED,
        _item.c.linked_from == other, _item.c.state == "published"))
    return int(gone.rowcount)


def known_hub(node: Node, conn: Connection, who: str) -> str:
    """A hub URI from a URL or ``@hub@host`` (this node's, or one in the actor cache)."""
    who = who.strip()
    local = local_hub_uri(node, who)
    if local is not None or "://" in who:
        return local or who
    account = parse_account(who)
    uri = None if account is None else conn.execute(select(_remote.c.uri).where(
        _remote.c.preferred_username == account[0], _remote.c.host == account[1])).scalar()
    if uri is None:
        raise HubError(Text(N_("no known hub %(who)s; give its URL"), who=who))
    return str(uri)


def source_uris(conn: Connection, hub_id: int) -> set[str]:
    """The actors the hub follows as sources, not as linked hubs (``hub_source``)."""
    return set(conn.execute(select(_source.c.actor_uri)
                            .where(_source.c.hub_id == hub_id)).scalars())


def is_group(conn: Connection, uri: str) -> bool:
    """A Group actor: a hub of this node, or a remote Group in the actor cache."""
    local = conn.execute(select(_actor.c.kind).where(_actor.c.uri == uri)).scalar()
    if local is not None:
        return bool(local == "group")
    return conn.execute(select(_remote.c.kind).where(_remote.c.uri == uri)).scalar() == "Group"


def links(conn: Connection, target: HubTarget) -> list[Link]:
    """Every hub this hub follows or is followed by as a hub, in the order they came."""
    me = target.actor.uri
    rows = conn.execute(select(_follow.c.follower, _follow.c.following, _follow.c.state)
                        .where(or_(_follow.c.follower == me, _follow.c.following == me))
                        .order_by(_follow.c.id)).all()
    followed_sources = source_uris(conn, int(target.hub.id or 0))
    ours = {r.following: r.state for r in rows if r.follower == me
            and r.following not in followed_sources}
    theirs = {r.follower: r.state for r in rows if r.following == me
              and is_group(conn, r.follower)}
    return [Link(uri, ours.get(uri), theirs.get(uri))
            for uri in dict.fromkeys([*ours, *theirs])]


def set_hidden(conn: Connection, target: HubTarget, object_uri: str, hidden: bool,
               by: str | None = None) -> None:
    """Hide a linked hub's item from this hub's page, or show it again."""
    require_steward(conn, target, by)
    found = conn.execute(update(_item).where(
        _item.c.hub_id == target.hub.id, _item.c.object_uri == object_uri,
        _item.c.origin == LINKED).values(state=HIDDEN if hidden else "published"))
    if not found.rowcount:
        raise HubError(Text(N_("%(uri)s is not an item of a hub linked to %(name)s"),
                            uri=object_uri, name=target.name))


def hidden_items(conn: Connection, target: HubTarget) -> list[str]:
    return list(conn.execute(select(_item.c.object_uri).where(
        _item.c.hub_id == target.hub.id, _item.c.origin == LINKED,
        _item.c.state == HIDDEN).order_by(_item.c.id)).scalars())
