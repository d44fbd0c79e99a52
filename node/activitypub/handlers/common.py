"""Small helpers shared by the protocol handlers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from node.activitypub.actors import LookupFailed
from node.activitypub.dispatch import Ignore, Retry
from node.activitypub.handling import HandlerContext
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import LocalActor
from node.activitypub.remote_actor import RemoteActorInfo
from node.activitypub.vocab import ref


def actor_of(activity: Mapping[str, Any]) -> str:
    actor = ref(activity.get("actor"))
    if actor is None:
        raise Ignore("activity without an actor")
    return actor


async def local_actor(ctx: HandlerContext, uri: str | None) -> LocalActor:
    """The live local actor at ``uri``, or :class:`Ignore`."""
    if uri is None or not ctx.is_local(uri):
        raise Ignore(f"{uri!r} is not an actor of this node")
    found = await ctx.read_shared(("local_actor", uri), lambda conn: find_by_uri(conn, uri))
    if found is None or found.deleted_at is not None:
        raise Ignore(f"no actor {uri!r} on this node")
    return found


async def inboxes_of(ctx: HandlerContext, actor_uri: str) -> tuple[str, str | None]:
    """(inbox, shared inbox) of a local or remote actor."""
    if ctx.is_local(actor_uri):
        actor = await local_actor(ctx, actor_uri)
        return f"{actor.uri}/inbox", f"{ctx.base_url}/inbox"
    info = await remote_actor(ctx, actor_uri)
    return info.inbox, info.shared_inbox


async def remote_actor(ctx: HandlerContext, uri: str) -> RemoteActorInfo:
    found = await ctx.actors.actor(uri)
    if isinstance(found, LookupFailed):
        if found.retryable:
            raise Retry(found.reason)
        raise Ignore(found.reason)
    return found
