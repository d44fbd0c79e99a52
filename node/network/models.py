"""Tables of the network domain: the nodes and relays we follow, what they sent us.

The follow relation itself is the protocol's ``follow`` row (follower: our node actor);
a :class:`NetworkPeer` adds what the operator needs to see about it (node or relay, when
it last sent something). A :class:`NetworkItem` is a remote item that arrived through
the network with its origin (hub and node); the object itself is a ``stored_object``
row, stored once whichever way it came (ARCHITECTURE.md section 7, "one vocabulary").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from node.columns import timestamp


class NetworkPeer(SQLModel, table=True):
    """A node or relay this node's actor follows (or asked to follow)."""

    __tablename__ = "network_peer"

    id: int | None = Field(default=None, primary_key=True)
    actor_uri: str = Field(unique=True, max_length=1024)
    kind: str = Field(max_length=16)  # node | relay
    created_at: datetime = timestamp()
    last_received_at: datetime | None = timestamp(nullable=True)
    received: int = 0


class NetworkItem(SQLModel, table=True):
    """A remote item received through a followed node or relay, once per object id."""

    __tablename__ = "network_item"
    __table_args__ = (  # the network timeline's filtered pages (node/network/timeline.py)
        Index("ix_network_item_host_page", "origin_host", "id"),
        Index("ix_network_item_hub_page", "hub_uri", "id"),
        Index("ix_network_item_type_page", "object_type", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    object_uri: str = Field(unique=True, max_length=1024)
    object_type: str = Field(max_length=64)
    hub_uri: str | None = Field(default=None, max_length=1024)
    origin_host: str = Field(max_length=255, index=True)
    via: str = Field(max_length=1024)
    received_at: datetime = timestamp(index=True)


class NetworkEvent(SQLModel, table=True):
    """The network calendar's index of a received Event (issue 9 item 5): its start and
    end in UTC and what the calendar filters by, so a month or an agenda page of a node
    holding 100,000 network items reads one index range (node/network/calendar.py).

    ``long`` marks an event that lasts more than :data:`node.network.calendar.SPAN`: a
    month's query looks back that far for events still running, and reads the few long
    ones through their own index. The document stays the ``stored_object`` row.
    """

    __tablename__ = "network_event"
    __table_args__ = (
        Index("ix_network_event_start", "starts_at", "object_uri"),
        Index("ix_network_event_long", "long", "ends_at"),
        Index("ix_network_event_region", "region", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    object_uri: str = Field(unique=True, max_length=1024)
    kind: str = Field(max_length=16)  # event | call
    starts_at: datetime = timestamp()
    ends_at: datetime = timestamp()
    long: bool = False
    hub_uri: str | None = Field(default=None, max_length=1024, index=True)
    origin_host: str = Field(max_length=255, index=True)
    region: str = Field(default="", max_length=200)
    # what a month grid shows, so a month reads no documents (node/network/calendar.py)
    title: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=1024)
    status: str = Field(default="", max_length=16)  # confirmed | tentative | cancelled


class NetworkEventTag(SQLModel, table=True):
    """A hashtag of a network event, lower-cased without ``#``: the calendar's tag filter."""

    __tablename__ = "network_event_tag"
    __table_args__ = (Index("ix_network_event_tag_tag", "tag", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="network_event.id", index=True)
    tag: str = Field(max_length=200)
