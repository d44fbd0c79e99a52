"""Everything the newswire plugs into the node's inbox: news by mention, and the news of
the sources ``@news`` follows (issue 10)."""

from __future__ import annotations

from node.activitypub.dispatch import Dispatcher
from node.newswire.fediverse import inbound
from node.newswire.network_news import inbound as network_news


def register_handlers(dispatcher: Dispatcher) -> Dispatcher:
    """The newswire's hooks, after the hubs' (a post into a hub stays the hub's)."""
    inbound.register(dispatcher)
    network_news.register(dispatcher)  # after news by mention: a mention is a submission
    return dispatcher
