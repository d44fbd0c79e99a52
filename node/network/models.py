"""Tables of the network domain: the nodes and relays we follow, what they sent us.

The follow relation itself is the protocol's ``follow`` row (follower: our node actor);
a :class:`NetworkPeer` adds what the operator needs to see about it (node or relay, when
it last sent something). A :class:`NetworkItem` is a remote item that arrived through
the network with its origin (hub and node); the object itself is a ``stored_object``
row, stored once whichever way it came (ARCHITECTURE.md section 7, "one vocabulary").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field

from node.columns import TableModel, timestamp


class NetworkPeer(TableModel, table=True):
    """A node or relay this node's actor follows (or asked to follow)."""

    __tablename__ = "network_peer"

    id: int | None = Field(default=None, primary_key=True)
    actor_uri: str = Field(unique=True, max_length=1024)
    kind: str = Field(max_length=16)  # node | relay
    created_at: datetime = timestamp()
    last_received_at: datetime | None = timestamp(nullable=True)
    received: int = 0


class NetworkItem(TableModel, table=True):
    """A remote item received through a followed node or relay, once per object id."""

    __tablename__ = "network_item"
    __table_args__ = (  # the network timeline's pages, newest publication first
        Index("ix_network_item_page", "published_at", "id"),
        Index("ix_network_item_host_page", "origin_host", "published_at", "id"),
        Index("ix_network_item_hub_page", "hub_uri", "published_at", "id"),
        Index("ix_network_item_type_page", "object_type", "published_at", "id"),
        Index("ix_network_item_region_page", "region", "published_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    object_uri: str = Field(unique=True, max_length=1024)
    object_type: str = Field(max_length=64)
    hub_uri: str | None = Field(default=None, max_length=1024)
    origin_host: str = Field(max_length=255, index=True)
    via: str = Field(max_length=1024)
    received_at: datetime = timestamp(index=True)
    #: when it was published (never after it arrived): the timeline's order, so a
    #: backfill's old items go below newer ones instead of on top
    published_at: datetime = timestamp()
    #: lower case, as the calendar's: its Place's region, else its hub's (the filter)
    region: str = Field(default="", max_length=200)


class NetworkEvent(TableModel, table=True):
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


class NetworkEventTag(TableModel, table=True):
    """A hashtag of a network event, lower-cased without ``#``: the calendar's tag filter."""

    __tablename__ = "network_event_tag"
    __table_args__ = (Index("ix_network_event_tag_tag", "tag", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="network_event.id", index=True)
    tag: str = Field(max_length=200)
class NetworkItemTag(TableModel, table=True):
    """A hashtag of a network item, lower-cased without ``#``: the timeline's tag filter
    (the calendar's is :class:`NetworkEventTag`). No foreign key: a row left by an item
    taken out another way matches no item."""

    __tablename__ = "network_item_tag"
    __table_args__ = (Index("ix_network_item_tag_tag", "tag", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(index=True)
    tag: str = Field(max_length=200)


class NetworkBackfill(TableModel, table=True):
    """The history pull of one followed actor (issue 9 item 4): a resumable job row.

    One row per actor (``actor_uri`` is unique), claimed like any job row
    (:mod:`node.jobs`), so two workers never walk one actor at once; ``phase`` and
    ``next_url`` are the cursor a resumed run starts from, the counters its progress.
    """

    __tablename__ = "network_backfill"
    __table_args__ = (Index("ix_network_backfill_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_uri: str = Field(unique=True, max_length=1024)
    follower: str = Field(max_length=1024)  # our actor that follows it (node or hub)
    parent: str | None = Field(default=None, max_length=1024)  # the node that listed a hub
    state: str = Field(max_length=16)  # queued | claimed | done | failed
    phase: str = Field(max_length=16)  # start | featured | outbox | finished
    next_url: str | None = Field(default=None, max_length=2048)
    due_at: datetime = timestamp()
    claimed_until: datetime | None = timestamp(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    pages: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    elapsed: float = 0.0  # seconds spent fetching, over every run
    last_error: str = Field(default="", max_length=500)
    outcome: str = Field(default="", max_length=200)  # why it stopped
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class NetworkHub(TableModel, table=True):
    """A hub (Group actor) in the node's directory (issue 9 item 5): its own hubs and
    those learned through follows, relays and backfill, as its Group document says."""

    __tablename__ = "network_hub"
    __table_args__ = (
        Index("ix_network_hub_title", "sort_key", "id"),
        # the Atom feed's order, most recently active first (migration 0029)
        Index("ix_network_hub_activity", text("coalesce(last_activity, created_at)"), "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_uri: str = Field(unique=True, max_length=1024)
    local: bool = False
    handle: str = Field(default="", max_length=300)  # name@host
    title: str = Field(default="", max_length=300)
    sort_key: str = Field(default="", max_length=300)  # lower-case title, the page order
    #: the Group's ``summary`` (its mission), sanitised HTML; and as plain lower-case text,
    #: which is what the directory's search reads
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    summary_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    region: str = Field(default="", max_length=200, index=True)
    tags: str = Field(default="", max_length=2000)  # " tag1 tag2 ", lower case
    host: str = Field(max_length=255, index=True)
    url: str = Field(default="", max_length=1024)  # its page for people
    followers: int | None = None
    last_activity: datetime | None = timestamp(nullable=True)
    refreshed_at: datetime | None = timestamp(nullable=True)  # None: to be fetched
    created_at: datetime = timestamp()
class ItemOrigin(TableModel, table=True):
    """One hub an item was posted in: every hub known to share it, keyed by object id.

    Issue 9 items 5 and 6: an item that reached this node by several paths (a hub here
    published it, a cross-post target hub Announced it, a followed node relayed a hub's
    Announce) is shown once, with "posted in: hub A @ node 1, hub B @ node 2". The
    ``network_item`` row keeps the first origin (the timeline's filters); this table
    keeps every one (:mod:`node.network.origins`).
    """

    __tablename__ = "item_origin"
    __table_args__ = (UniqueConstraint("object_uri", "hub_uri", name="uq_item_origin"),
                      Index("ix_item_origin_hub_uri", "hub_uri"))  # the timeline's hub filter

    id: int | None = Field(default=None, primary_key=True)
    object_uri: str = Field(max_length=1024, index=True)
    hub_uri: str = Field(max_length=1024)
    origin_host: str = Field(max_length=255)
    seen_at: datetime = timestamp()


class NetworkHubTag(TableModel, table=True):
    """A hashtag of a listed hub of the directory, lower case: the directory's tag list
    reads these (a few index seeks) instead of every hub's ``tags`` (issue 9 item 5).
    Kept in step by the directory's writers (:mod:`node.network.hub_tags`); no foreign
    key, as :class:`NetworkItemTag`."""

    __tablename__ = "network_hub_tag"

    hub_id: int = Field(primary_key=True)
    tag: str = Field(primary_key=True, max_length=200, index=True)
