"""Protocol handlers for received activities, registered per (activity, object) type.

Each module registers a few small handlers; :func:`register_all` wires them into a
dispatcher. Domain packages register theirs in the same way.
"""

from node.activitypub.dispatch import Dispatcher
from node.activitypub.handlers import follows, interactions, objects


def register_all(dispatcher: Dispatcher) -> Dispatcher:
    follows.register(dispatcher)
    objects.register(dispatcher)
    interactions.register(dispatcher)
    return dispatcher
