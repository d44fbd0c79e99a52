"""Follow, Accept, Reject and Undo{Follow} (ActivityPub sections 7.5, 7.6, 7.7).

Mastodon re-sends Follow after a key change; a repeated Follow is idempotent and is
accepted again (INTEROP.md). Only accepted follows receive deliveries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of, inboxes_of, local_actor
from node.activitypub.handling import HandlerContext
from node.activitypub.models import Follow, LocalActor
from node.activitypub.outbox import Outbox
from node.activitypub.vocab import activity, ref

_follow = Follow.__table__  # type: ignore[attr-defined]
#: Built once: made per Follow, these statements spent more time building themselves
#: than running (issue 7, 1.13: a burst of new followers).
_EXISTING = select(_follow.c.id, _follow.c.state).where(
    _follow.c.follower == bindparam("follower"), _follow.c.following == bindparam("following"))
_INSERT = insert(_follow)
_UPDATE = update(_follow).where(_follow.c.id == bindparam("b_id"))  # SET: the parameters


async def on_follow(ctx: HandlerContext, follow: Mapping[str, Any]) -> None:
    follower = actor_of(follow)
    target = await local_actor(ctx, ref(follow.get("object")))
    inbox, shared_inbox = await inboxes_of(ctx, follower)
    state = "pending" if target.manually_approves_followers else "accepted"
    now = ctx.clock()

    def record(conn: Connection) -> None:
        existing = conn.execute(_EXISTING, {"follower": follower,
                                            "following": target.uri}).first()
        new_state = "accepted" if existing is not None and existing.state == "accepted" else state
        values = {"activity_id": follow["id"], "inbox": inbox, "shared_inbox": shared_inbox,
                  "state": new_state, "updated_at": now}
        if existing is None:
            conn.execute(_INSERT, {"follower": follower, "following": target.uri,
                                   "created_at": now, **values})
        else:
            conn.execute(_UPDATE, {"b_id": existing.id, **values})
        if new_state == "accepted":
            send_answer(ctx.outbox, conn, "Accept", target, follow, inbox, ctx.clock())

    await ctx.record(record)


def send_answer(outbox: Outbox, conn: Connection, kind: str, target: LocalActor,
                follow: Mapping[str, Any], inbox: str, now: datetime) -> None:
    """Accept or Reject embedding the Follow, as Mastodon sends and expects.

    The Follow is embedded exactly as received: a proof it carries covers its @context.
    """
    answer = activity(kind, id=outbox.new_id("activities"), actor=target.uri,
                      object=dict(follow), to=[actor_of(follow)])
    outbox.publish(conn, actor=target, activity=answer, now=now,
                   to_followers=False, inboxes=[inbox])


async def on_accept(ctx: HandlerContext, accept: Mapping[str, Any]) -> None:
    await _answer_to_our_follow(ctx, accept, "accepted")


async def on_reject(ctx: HandlerContext, reject: Mapping[str, Any]) -> None:
    await _answer_to_our_follow(ctx, reject, "rejected")


async def _answer_to_our_follow(ctx: HandlerContext, answer: Mapping[str, Any],
                                state: str) -> None:
    """Mark our pending Follow of the answering actor; match by id, else by the pair."""
    answering = actor_of(answer)
    obj = answer.get("object")
    follow_id = ref(obj)
    follower = ref(obj.get("actor")) if isinstance(obj, Mapping) else None
    now = ctx.clock()

    def record(conn: Connection) -> int:
        where = [_follow.c.following == answering]
        if follow_id is not None and ctx.is_local(follow_id):
            where.append(_follow.c.activity_id == follow_id)
        elif follower is not None:
            where.append(_follow.c.follower == follower)
        else:
            raise Ignore("answer names no Follow of ours")
        result = conn.execute(update(_follow).where(*where).values(state=state, updated_at=now))
        return int(result.rowcount)

    if await ctx.db(record) == 0:
        raise Ignore(f"no Follow of {answering} to mark {state}")


async def on_undo_follow(ctx: HandlerContext, undo: Mapping[str, Any]) -> None:
    follower = actor_of(undo)
    obj = undo.get("object")
    followed = ref(obj.get("object")) if isinstance(obj, Mapping) else None
    follow_id = ref(obj)

    def remove(conn: Connection) -> int:
        condition = (_follow.c.following == followed) if followed else (
            _follow.c.activity_id == follow_id)
        result = conn.execute(delete(_follow).where(_follow.c.follower == follower, condition))
        return int(result.rowcount)

    if await ctx.db(remove) == 0:
        raise Ignore("Undo of a Follow we do not have")


def register(dispatcher: Dispatcher) -> None:
    dispatcher.register("Follow")(on_follow)
    dispatcher.register("Accept")(on_accept)
    dispatcher.register("Reject")(on_reject)
    dispatcher.register("Undo", "Follow")(on_undo_follow)
