"""A hub's ``Update`` of its own Group document, delivered to us directly: the directory
entry follows (a relayed one is unwrapped in :mod:`node.network.receive`).

The inbox authenticated the activity's actor (its HTTP signature), and the Group is the
actor itself, so the embedded document is the hub's word on itself. Returns False: the
protocol's own Update handler still refreshes its cached copy of the actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from node.activitypub.dispatch import Dispatcher
from node.activitypub.handlers.common import actor_of
from node.activitypub.handling import HandlerContext
from node.activitypub.vocab import ref
from node.network.directory import refresh_group


async def on_update(ctx: HandlerContext, update: Mapping[str, Any]) -> bool:
    document = update.get("object")
    actor = actor_of(update)
    if not isinstance(document, Mapping) or document.get("type") != "Group" \
            or ref(document) != actor or ctx.is_local(actor):
        return False
    now = ctx.clock()
    await ctx.db(lambda conn: refresh_group(conn, document, now))
    return False


def register(dispatcher: Dispatcher) -> Dispatcher:
    dispatcher.add_hook("Update", on_update)
    return dispatcher
