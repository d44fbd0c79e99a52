"""Everything the network domain plugs into the node: dispatch hooks, the publish hook."""

from __future__ import annotations

from node.activitypub.dispatch import Dispatcher
from node.activitypub.outbox import Outbox
from node.network import receive, source_receive
from node.network.relay import NodeRelay


def register_handlers(dispatcher: Dispatcher) -> Dispatcher:
    """The network's hooks: relayed Announces, relays' subscriptions, and what the
    sources this node follows publish."""
    return source_receive.register(receive.register(dispatcher))


def install_relay(outbox: Outbox) -> Outbox:
    """The node actor relays its hubs' public activity to its follower nodes and relays."""
    outbox.add_hook(NodeRelay())
    return outbox
