"""What the news sources ``@news`` follows send: ``Create`` and ``Announce`` hooks.

* a ``Create{Note|Article}`` by a source ``@news`` follows (accepted), public and not a
  reply, is kept as network news: the object stored once
  (:func:`node.activitypub.remote_objects.store_remote`), its origin once
  (:class:`NetworkNews`, unique object id). The protocol handler then runs as usual
  (someone here may follow the author too; it finds the object stored).
* an ``Announce`` by such a source (another node's ``@news`` picking an item, a
  Mastodon boost) carries an item of a third party: it is taken only as the network's
  relayed items are, with its author's valid FEP-8b32 proof or refetched from its
  origin (:func:`node.network.unwrap.unwrap`, SECURITY.md CVE-2024-23832), and only
  when public. A tampered copy is refused.
* ``Update`` and ``Delete`` of the original by its author reach the stored object
  through the protocol's handlers (owner and newer-``updated`` rules): the pages read
  the live object, and a deleted one is gone from them. An ``Update`` or ``Delete``
  inside an ``Announce`` is applied here under the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from node.activitypub.actors import LookupFailed
from node.activitypub.authorship import authors_of
from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of
from node.activitypub.handlers.objects import object_document
from node.activitypub.handling import HandlerContext
from node.activitypub.models import Follow
from node.activitypub.remote_objects import apply_delete, is_tombstoned, store_remote, update_remote
from node.activitypub.urls import host_of
from node.activitypub.vocab import is_public, ref, refs
from node.network.unwrap import Received, unwrap
from node.newswire.network_news.models import NetworkNews

KINDS = ("Note", "Article")

_follow = Follow.__table__  # type: ignore[attr-defined]
_news = NetworkNews.__table__  # type: ignore[attr-defined]


def followed_source(conn: Connection, news_uri: str, actor: str) -> bool:
    """True when ``@news`` follows ``actor`` (accepted)."""
    return conn.execute(select(_follow.c.id).where(
        _follow.c.follower == news_uri, _follow.c.following == actor,
        _follow.c.state == "accepted")).first() is not None


def followed_by_others(conn: Connection, news_uri: str, actor: str) -> bool:
    """True when another local actor follows ``actor`` too (its posts are theirs too)."""
    return conn.execute(select(_follow.c.id).where(
        _follow.c.follower != news_uri, _follow.c.following == actor,
        _follow.c.state == "accepted").limit(1)).first() is not None


def is_news(document: Mapping[str, Any]) -> bool:
    return (document.get("type") in KINDS and is_public(document)
            and not refs(document.get("inReplyTo")))


async def handle_of(ctx: HandlerContext, uri: str) -> str:
    """``@user@host`` of an actor, or "" when it cannot be looked up (the page then
    shows its URI)."""
    info = await ctx.actors.actor(uri)
    if isinstance(info, LookupFailed) or not info.preferred_username:
        return ""
    return f"@{info.preferred_username}@{info.host}"


def keep(conn: Connection, document: Mapping[str, Any], *, author: str, handle: str,
         via: str, now: datetime) -> None:
    """Store the object (once) and its origin (once)."""
    uri = str(ref(document))
    if is_tombstoned(conn, uri, authors_of(document)):
        raise Ignore("news deleted by its author before it arrived")
    store_remote(conn, document, now)
    if conn.execute(select(_news.c.id).where(_news.c.object_uri == uri)).first():
        return
    conn.execute(insert(_news).values(
        object_uri=uri, object_type=str(document.get("type")), author_uri=author,
        author_handle=handle[:300], origin_host=host_of(uri), via=via, received_at=now))


async def on_create(ctx: HandlerContext, create: Mapping[str, Any]) -> bool:
    """A followed source's own post: kept as network news; the protocol handler goes on."""
    author = actor_of(create)
    news_uri = f"{ctx.base_url}/news"
    if ctx.is_local(author) or not await ctx.read_about(
            author, "followed by the news", lambda conn: followed_source(conn, news_uri, author)):
        return False
    document = await object_document(ctx, create)
    if not is_news(document) or author not in refs(document.get("attributedTo")):
        return False
    handle, now = await handle_of(ctx, author), ctx.clock()
    await ctx.db(lambda conn: keep(conn, document, author=author, handle=handle,
                                   via=author, now=now))
    return False


async def on_announce(ctx: HandlerContext, announce: Mapping[str, Any]) -> bool:
    """A followed source shares someone's item: authenticated, then kept."""
    sender = actor_of(announce)
    news_uri = f"{ctx.base_url}/news"
    if ctx.is_local(sender) or not await ctx.db(
            lambda conn: followed_source(conn, news_uri, sender)):
        return False
    if _shares_ours(ctx, announce.get("object")):
        return False  # our own news shared (another newswire picked it): counted as usual
    received = await unwrap(ctx, announce.get("object"), sender)
    if ctx.is_local(received.uri):
        return False
    now = ctx.clock()
    if received.action == "store":
        await _store(ctx, received, sender, now)
    else:
        await ctx.db(lambda conn: _change(conn, received, now))
    return not await ctx.db(lambda conn: followed_by_others(conn, news_uri, sender))


def _shares_ours(ctx: HandlerContext, shared: object) -> bool:
    """Is the shared object (or the object of a shared Create) one of this node's?"""
    if isinstance(shared, Mapping) and shared.get("type") == "Create":
        shared = shared.get("object")
    uri = ref(shared)
    return uri is not None and ctx.is_local(uri)


async def _store(ctx: HandlerContext, received: Received, sender: str,
                 now: datetime) -> None:
    document = received.document or {}
    author = ref(document.get("attributedTo"))
    if not is_news(document) or author is None:
        raise Ignore("a shared item that is not public news")
    handle = await handle_of(ctx, author)
    await ctx.db(lambda conn: keep(conn, document, author=author, handle=handle, via=sender,
                                   now=now))


def _change(conn: Connection, received: Received, now: datetime) -> None:
    """An Update or Delete passed on by a source, under the owner rules."""
    if received.action == "update" and received.document is not None:
        problem = update_remote(conn, received.document, str(received.actor)).problem
    elif received.action == "delete":
        problem = apply_delete(conn, received.uri, str(received.actor), now)
    else:
        problem = f"a shared {received.action} is not taken"
    if problem is not None:
        raise Ignore(problem)


def register(dispatcher: Dispatcher) -> None:
    dispatcher.add_hook("Create", on_create)
    dispatcher.add_hook("Announce", on_announce)
