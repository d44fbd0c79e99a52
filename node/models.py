"""Every table of the node, imported in one place so migrations see the whole schema."""

from node.accounts.models import Account, LoginAttempt, LoginSession
from node.activitypub.models import (
    Delivery,
    Follow,
    HostHealth,
    InboxItem,
    Interaction,
    LocalActor,
    OutboxActivity,
    RemoteActor,
    StoredObject,
)

__all__ = [
    "Account",
    "Delivery",
    "Follow",
    "HostHealth",
    "InboxItem",
    "Interaction",
    "LocalActor",
    "LoginAttempt",
    "LoginSession",
    "OutboxActivity",
    "RemoteActor",
    "StoredObject",
]
