"""Tables of the network domain: the nodes and relays we follow, what they sent us.

The follow relation itself is the protocol's ``follow`` row (follower: our node actor);
a :class:`NetworkPeer` adds what the operator needs to see about it (node or relay, when
it last sent something). A :class:`NetworkItem` is a remote item that arrived through
the network with its origin (hub and node); the object itself is a ``stored_object``
row, stored once whichever way it came (ARCHITECTURE.md section 7, "one vocabulary").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
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


class ItemOrigin(SQLModel, table=True):
    """One hub an item was posted in: every hub known to share it, keyed by object id.

    Issue 9 items 5 and 6: an item that reached this node by several paths (a hub here
    published it, a cross-post target hub Announced it, a followed node relayed a hub's
    Announce) is shown once, with "posted in: hub A @ node 1, hub B @ node 2". The
    ``network_item`` row keeps the first origin (the timeline's filters); this table
    keeps every one (:mod:`node.network.origins`).
    """

    __tablename__ = "item_origin"
    __table_args__ = (UniqueConstraint("object_uri", "hub_uri", name="uq_item_origin"),)

    id: int | None = Field(default=None, primary_key=True)
    object_uri: str = Field(max_length=1024, index=True)
    hub_uri: str = Field(max_length=1024)
    origin_host: str = Field(max_length=255)
    seen_at: datetime = timestamp()
