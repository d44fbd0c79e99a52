"""Create, Update, Delete and Announce of objects (ActivityPub section 7.2-7.4, 7.11).

Objects are stored only when someone here asked for them: the sender is followed by a
local actor, or the object addresses, mentions or replies to something local.
An embedded third-party object is trusted only with a valid FEP-8b32 proof by its
author; otherwise it is refetched from its origin (SECURITY.md, CVE-2024-23832).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update

from node.activitypub.actors import LookupFailed
from node.activitypub.authorship import authors_of
from node.activitypub.dispatch import Dispatcher, Ignore, Retry
from node.activitypub.fetch import FetchFailed
from node.activitypub.handlers.common import actor_of
from node.activitypub.handling import HandlerContext
from node.activitypub.interactions import record_interaction
from node.activitypub.models import Follow, RemoteActor, StoredObject
from node.activitypub.proofs import ProofVerified, proof_method, verify_proof
from node.activitypub.remote_objects import apply_delete, apply_update, is_tombstoned, store_remote
from node.activitypub.urls import same_host
from node.activitypub.vocab import ref, refs

_follow = Follow.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def followed_here(conn: Connection, actor: str) -> bool:
    """True when a local actor has an accepted follow of ``actor``."""
    row = conn.execute(select(_follow.c.id).where(
        _follow.c.following == actor, _follow.c.state == "accepted").limit(1)).first()
    return row is not None


def concerns_us(ctx: HandlerContext, document: Mapping[str, Any]) -> bool:
    """Addressed to, mentioning or replying to something of this node."""
    targets = [*refs(document.get("to")), *refs(document.get("cc")),
               *refs(document.get("inReplyTo")), *refs(document.get("audience"))]
    tags = document.get("tag")
    if isinstance(tags, list):
        targets += [str(t.get("href")) for t in tags if isinstance(t, Mapping) and t.get("href")]
    return any(ctx.is_local(t) for t in targets)


async def object_document(ctx: HandlerContext, activity: Mapping[str, Any]) -> dict[str, Any]:
    """The activity's object, embedded (the actor's own, checked by the inbox) or fetched."""
    obj = activity.get("object")
    if isinstance(obj, Mapping):
        return dict(obj)
    return await fetch_object(ctx, ref(obj))


async def fetch_object(ctx: HandlerContext, uri: str | None) -> dict[str, Any]:
    if uri is None:
        raise Ignore("activity without an object")
    fetched = await ctx.fetcher.fetch_activity(uri)
    if isinstance(fetched, FetchFailed):
        if fetched.retryable:
            raise Retry(fetched.reason)
        raise Ignore(f"could not fetch {uri}: {fetched.reason}")
    authors = refs(fetched.document.get("attributedTo"))
    if not authors or not all(same_host(author, uri) for author in authors):
        raise Ignore("fetched object is attributed to an actor on another host")
    if ctx.policy is not None:  # an account blocked on an allowed host
        refused = (await ctx.policy.current()).document_refusal(fetched.document)
        if refused is not None:
            raise Ignore(refused)
    return fetched.document


async def on_create(ctx: HandlerContext, create: Mapping[str, Any]) -> None:
    actor = actor_of(create)
    document = await object_document(ctx, create)
    if actor not in refs(document.get("attributedTo")):
        raise Ignore("Create of an object attributed to someone else")
    now = ctx.clock()

    def store(conn: Connection) -> None:
        if is_tombstoned(conn, str(ref(document)), authors_of(document)):
            raise Ignore("object was deleted before its Create arrived")
        if not (followed_here(conn, actor) or concerns_us(ctx, document)):
            raise Ignore("nobody here follows the author and nothing here is addressed")
        store_remote(conn, document, now)

    await ctx.record(store)


async def on_update(ctx: HandlerContext, activity: Mapping[str, Any]) -> None:
    actor = actor_of(activity)
    document = await object_document(ctx, activity)
    if ref(document) == actor:
        refreshed = await ctx.actors.actor(actor, refresh=True)
        if isinstance(refreshed, LookupFailed):
            raise Ignore(refreshed.reason)
        return
    problem = await ctx.db(lambda conn: apply_update(conn, document, actor))
    if problem is not None:
        raise Ignore(problem)


async def on_delete(ctx: HandlerContext, activity: Mapping[str, Any]) -> None:
    actor = actor_of(activity)
    uri = ref(activity.get("object"))
    if uri is None:
        raise Ignore("Delete without an object")
    now = ctx.clock()
    if uri == actor:
        await ctx.db(lambda conn: forget_actor(conn, actor))
        ctx.actors.forget(actor)
        return
    problem = await ctx.db(lambda conn: apply_delete(conn, uri, actor, now))
    if problem is not None:
        raise Ignore(problem)


def forget_actor(conn: Connection, actor: str) -> None:
    """A deleted account: drop its follows both ways and mark it gone."""
    conn.execute(delete(_follow).where(or_(_follow.c.follower == actor,
                                           _follow.c.following == actor)))
    conn.execute(update(_remote).where(_remote.c.uri == actor).values(gone=True))


async def trusted_embedded(ctx: HandlerContext, obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """An embedded third-party object whose FEP-8b32 proof verifies, else None."""
    method = proof_method(obj)
    if method is None:
        return None
    key = await ctx.actors.proof_key(method)
    if isinstance(key, LookupFailed):
        return None
    verified = verify_proof(obj, key.public_key, now=ctx.clock())  # type: ignore[arg-type]
    return dict(obj) if isinstance(verified, ProofVerified) else None


async def on_announce(ctx: HandlerContext, announce: Mapping[str, Any]) -> None:
    actor = actor_of(announce)
    obj = announce.get("object")
    uri = ref(obj)
    if uri is None:
        raise Ignore("Announce without an object")
    now = ctx.clock()
    if ctx.is_local(uri):
        await ctx.db(lambda conn: record_interaction(conn, "Announce", announce, uri, now))
        return
    if not await ctx.db(lambda conn: followed_here(conn, actor)):
        raise Ignore("Announce by an actor nobody here follows")
    document = await trusted_embedded(ctx, obj) if isinstance(obj, Mapping) else None
    if document is None:
        document = await fetch_object(ctx, uri)
    if ref(document) != uri:
        raise Ignore("announced object id changed")

    def store(conn: Connection) -> None:
        store_remote(conn, document, now)  # unless deleted by its author
        record_interaction(conn, "Announce", announce, uri, now)

    await ctx.record(store)


async def on_announce_create(ctx: HandlerContext, announce: Mapping[str, Any]) -> None:
    """FEP-1b12 ``Announce{Create}``: a group shares a member's post.

    The Create carries its author's proof (checked before any handler runs) covering
    the embedded object; without a proof the object is refetched from its origin.
    """
    actor = actor_of(announce)
    create = announce["object"]
    if not await ctx.db(lambda conn: followed_here(conn, actor)):
        raise Ignore("Announce by an actor nobody here follows")
    author = ref(create.get("actor"))
    inner = create.get("object")
    uri = ref(inner)
    if author is None or uri is None:
        raise Ignore("announced Create without actor or object")
    if isinstance(inner, Mapping) and "proof" in create:
        document = dict(inner)
    else:
        document = await fetch_object(ctx, uri)
    if author not in refs(document.get("attributedTo")) or not same_host(uri, author):
        raise Ignore("announced object is not the Create's actor's own")
    now = ctx.clock()

    def store(conn: Connection) -> None:
        store_remote(conn, document, now)  # unless deleted by its author
        record_interaction(conn, "Announce", announce, uri, now)

    await ctx.record(store)


def register(dispatcher: Dispatcher) -> None:
    dispatcher.register("Create")(on_create)
    dispatcher.register("Update")(on_update)
    dispatcher.register("Delete")(on_delete)
    dispatcher.register("Announce")(on_announce)
    dispatcher.register("Announce", "Create")(on_announce_create)
