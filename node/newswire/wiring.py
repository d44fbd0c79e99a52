"""Everything the newswire plugs into the node's inbox: news by mention (issue 10)."""

from __future__ import annotations

from node.activitypub.dispatch import Dispatcher
from node.newswire.fediverse import inbound


def register_handlers(dispatcher: Dispatcher) -> Dispatcher:
    """The newswire's hooks, after the hubs' (a post into a hub stays the hub's)."""
    inbound.register(dispatcher)
    return dispatcher
