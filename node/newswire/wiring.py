"""Everything the newswire plugs into the node's inbox: news by mention and incoming
reports (``Flag``) (issue 10)."""

from __future__ import annotations

from node.activitypub.dispatch import Dispatcher
from node.newswire.fediverse import inbound
from node.newswire.reports import inbound as report_inbound


def register_handlers(dispatcher: Dispatcher) -> Dispatcher:
    """The newswire's hooks, after the hubs' (a post into a hub stays the hub's)."""
    inbound.register(dispatcher)
    report_inbound.register(dispatcher)
    return dispatcher
