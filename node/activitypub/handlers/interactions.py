"""Like and Undo of Like/Announce (ActivityPub sections 7.10, 7.11; "twinkle fingers")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of
from node.activitypub.handling import HandlerContext
from node.activitypub.interactions import record_interaction, remove_interaction
from node.activitypub.models import Follow
from node.activitypub.remote_objects import is_local_object
from node.activitypub.vocab import ref

_follow = Follow.__table__  # type: ignore[attr-defined]


async def on_like(ctx: HandlerContext, like: Mapping[str, Any]) -> None:
    uri = ref(like.get("object"))
    if uri is None or not ctx.is_local(uri):
        raise Ignore("Like of an object that is not ours")
    now = ctx.clock()

    def record(conn: Connection) -> None:
        if not is_local_object(conn, uri):
            raise Ignore("Like of an object we do not have")
        record_interaction(conn, "Like", like, uri, now)

    await ctx.record(record)


async def on_undo_interaction(ctx: HandlerContext, undo: Mapping[str, Any]) -> None:
    actor = actor_of(undo)
    obj = undo.get("object")
    inner = obj if isinstance(obj, Mapping) else {}
    kind = inner.get("type") if isinstance(inner.get("type"), str) else None
    target = ref(inner.get("object"))
    removed = await ctx.db(lambda conn: remove_interaction(conn, actor, ref(obj), kind, target))
    if removed == 0:
        raise Ignore("Undo of an interaction we do not have")


async def on_undo_reference(ctx: HandlerContext, undo: Mapping[str, Any]) -> None:
    """Undo naming the undone activity only by id: a Follow, Like or Announce of ours."""
    actor = actor_of(undo)
    undone = ref(undo.get("object"))
    if undone is None:
        raise Ignore("Undo without an object")

    def remove(conn: Connection) -> int:
        follows = conn.execute(delete(_follow).where(
            _follow.c.follower == actor, _follow.c.activity_id == undone)).rowcount
        return int(follows) + remove_interaction(conn, actor, undone)

    if await ctx.db(remove) == 0:
        raise Ignore("Undo of an activity we do not have")


def register(dispatcher: Dispatcher) -> None:
    dispatcher.register("Like")(on_like)
    dispatcher.register("Undo", "Like")(on_undo_interaction)
    dispatcher.register("Undo", "Announce")(on_undo_interaction)
    dispatcher.register("Undo")(on_undo_reference)
