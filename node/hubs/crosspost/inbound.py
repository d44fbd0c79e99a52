"""The target hubs' answers, as they reach the author's node: dispatch hooks.

A remote target hub answers a cross-post from its own node (FEP-1b12):

* ``Announce`` of the object (or of its ``Create``) by the target hub: published there.
  The hub is then one of the hubs the item was posted in (:mod:`node.network.origins`).
  The hook leaves the Announce to the other hooks and handlers (it is also a share).
* ``Reject`` of the author's ``Create`` by the target hub: refused, with the reason
  the hub gave (``summary``, else ``content``; kept as plain text).
* nothing: delivered, waiting for the hub (held for moderation, or not yet read).
* ``Undo{Announce}`` by a hub that had published it: a steward took it out again
  (moderation); refused, with :data:`REMOVED` as the reason, and no longer one of the
  hubs it is posted in.

Only the hub itself can answer for itself: the activity's actor (authenticated by its
HTTP signature) must be the target hub the row names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select, update

from node.activitypub.dispatch import Dispatcher
from node.activitypub.handlers.common import actor_of
from node.activitypub.handling import HandlerContext
from node.activitypub.models import OutboxActivity
from node.activitypub.vocab import ref
from node.hubs.crosspost.answers import MAX_REASON
from node.hubs.crosspost.models import CrosspostTarget
from node.network.origins import add_origin, drop_origin

_target = CrosspostTarget.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
#: The reason kept when a hub undoes its Announce (an Undo carries none).
REMOVED = "taken out of the hub by its moderators"


def announced_uri(announce: Mapping[str, Any]) -> str | None:
    """The object an ``Announce`` shares: its object, or the object of a shared Create."""
    shared = announce.get("object")
    if isinstance(shared, Mapping) and shared.get("type") in ("Create", "Update", "Delete",
                                                               "Undo", "Announce"):
        return ref(shared.get("object")) if shared.get("type") == "Create" else None
    return ref(shared)


def reason_of(answer: Mapping[str, Any]) -> str:
    """The hub's reason, as plain text (its ``summary``, else its ``content``)."""
    import nh3

    for key in ("summary", "content"):
        value = answer.get(key)
        if isinstance(value, str) and value.strip():
            text = nh3.clean(value, tags=set())
            return " ".join(text.split())[:MAX_REASON]
    return ""


async def on_announce(ctx: HandlerContext, announce: Mapping[str, Any]) -> bool:
    """A target hub shared our object: published there. Never consumes the Announce."""
    hub = actor_of(announce)
    uri = announced_uri(announce)
    if uri is None or not ctx.is_local(uri) or ctx.is_local(hub):
        return False
    now = ctx.clock()

    def published(conn: Connection) -> None:
        done = conn.execute(update(_target).where(
            _target.c.object_uri == uri, _target.c.hub_uri == hub).values(
            state="published", reason=None, updated_at=now))
        if done.rowcount:
            add_origin(conn, uri, hub, now)

    await ctx.db(published)
    return False


def _refused_create(conn: Connection, refused: object) -> str | None:
    """The object of our ``Create`` that ``refused`` names (embedded or by id), if ours."""
    create_id = ref(refused)
    if create_id is None:
        return None
    return conn.execute(select(_outbox.c.object_uri).where(
        _outbox.c.uri == create_id, _outbox.c.type == "Create")).scalar()


async def on_reject(ctx: HandlerContext, reject: Mapping[str, Any]) -> bool:
    """A target hub refused our Create: refused, with its reason. Other Rejects (of a
    Follow) go on to the protocol handler."""
    hub = actor_of(reject)
    refused = reject.get("object")
    if isinstance(refused, Mapping) and refused.get("type") not in ("Create", None):
        return False
    reason = reason_of(reject)
    now = ctx.clock()

    def record(conn: Connection) -> bool:
        uri = _refused_create(conn, refused)
        if uri is None:
            return False
        done = conn.execute(update(_target).where(
            _target.c.object_uri == uri, _target.c.hub_uri == hub).values(
            state="refused", reason=reason or None, updated_at=now))
        return bool(done.rowcount)

    return bool(await ctx.db(record))


async def on_undo(ctx: HandlerContext, undo: Mapping[str, Any]) -> bool:
    """A target hub undid its Announce of our object. Never consumes the Undo (the
    protocol handler takes the share back too)."""
    hub = actor_of(undo)
    shared = undo.get("object")
    if not isinstance(shared, Mapping) or shared.get("type") != "Announce" \
            or ref(shared.get("actor")) != hub:
        return False
    uri = announced_uri(shared)
    if uri is None or not ctx.is_local(uri) or ctx.is_local(hub):
        return False
    now = ctx.clock()

    def removed(conn: Connection) -> None:
        done = conn.execute(update(_target).where(
            _target.c.object_uri == uri, _target.c.hub_uri == hub,
            _target.c.state == "published").values(
            state="refused", reason=REMOVED, updated_at=now))
        if done.rowcount:
            drop_origin(conn, uri, hub)

    await ctx.db(removed)
    return False


def register(dispatcher: Dispatcher) -> None:
    dispatcher.add_hook("Announce", on_announce)
    dispatcher.add_hook("Reject", on_reject)
    dispatcher.add_hook("Undo", on_undo)
