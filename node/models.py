"""Every table of the node, imported in one place so migrations see the whole schema."""

from node.accounts.models import Account, Invite, LoginAttempt, LoginSession
from node.activitypub.federation_store import FederationPolicyRow, FederationRule
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
from node.hubs.crosspost.models import CrosspostTarget
from node.hubs.hub.models import (
    CallSeries,
    EventAttendance,
    FeedEntry,
    FeedSubscription,
    Hub,
    HubItem,
    HubMember,
    PollVote,
)
from node.media.models import Media
from node.network.models import (
    ItemOrigin,
    NetworkEvent,
    NetworkEventTag,
    NetworkItem,
    NetworkPeer,
)
from node.newswire.digest.models import DigestMail, NewsDigest, NewsSubscriber
from node.newswire.models import (
    ConductVersion,
    NewsItem,
    NewsLogEntry,
    NewsModerator,
    NewsSubmitAttempt,
)
from node.newswire.network_news.models import NetworkNews
from node.newswire.reports.models import NewsReport
from node.newswire.websub.models import WebSubPing
from node.node_record import NodeSetting

__all__ = [
    "Account",
    "CallSeries",
    "ConductVersion",
    "CrosspostTarget",
    "Delivery",
    "DigestMail",
    "EventAttendance",
    "FederationPolicyRow",
    "FederationRule",
    "FeedEntry",
    "FeedSubscription",
    "Follow",
    "HostHealth",
    "Hub",
    "HubItem",
    "HubMember",
    "InboxItem",
    "Interaction",
    "Invite",
    "ItemOrigin",
    "LocalActor",
    "LoginAttempt",
    "LoginSession",
    "Media",
    "NetworkEvent",
    "NetworkEventTag",
    "NetworkItem",
    "NetworkNews",
    "NetworkPeer",
    "NewsDigest",
    "NewsItem",
    "NewsLogEntry",
    "NewsModerator",
    "NewsReport",
    "NewsSubmitAttempt",
    "NewsSubscriber",
    "NodeSetting",
    "OutboxActivity",
    "PollVote",
    "RemoteActor",
    "StoredObject",
    "WebSubPing",
]
