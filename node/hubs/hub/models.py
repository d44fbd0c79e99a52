"""Tables of the hub domain: hubs, members, items, call series, votes, RSVPs, feeds.

Objects themselves (Notes, Articles, Events, Questions) live in ``stored_object`` as
signed ActivityStreams documents; these tables index them for the dashboard, the
calendars and the policies, and hold what is not an object (votes, subscriptions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field

from node.columns import TableModel, UTCDateTime, timestamp


def _arrival(context: Any) -> Any:
    """A ``hub_item`` written without its publication time takes its arrival."""
    return context.get_current_parameters().get("created_at")


class Hub(TableModel, table=True):
    """A hub's settings beside its Group actor (``local_actor`` of kind ``group``)."""

    __tablename__ = "hub"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="local_actor.id", unique=True)
    follow_policy: str = Field(default="open", max_length=16)  # open | approval
    posting_policy: str = Field(default="members", max_length=16)  # members | followers | moderated
    region: str = Field(default="", max_length=200)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    links: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    header_url: str | None = Field(default=None, max_length=1024)
    # IANA name its pages show times in; "" follows the node's IONODE_TIMEZONE.
    timezone: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    # The mission's Markdown, as last given (the actor's summary is its HTML).
    summary_source: str = Field(default="", sa_column=Column(Text, nullable=False,
                                                               server_default=""))
    created_at: datetime = timestamp()


class HubMember(TableModel, table=True):
    """A member of a hub, local or remote (any fediverse account), with a role."""

    __tablename__ = "hub_member"
    __table_args__ = (UniqueConstraint("hub_id", "actor_uri", name="uq_hub_member"),)

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    actor_uri: str = Field(max_length=1024)
    role: str = Field(max_length=16)  # admin | moderator | member
    added_at: datetime = timestamp()


class HubItem(TableModel, table=True):
    """One object posted into one hub, with its state under the hub's posting policy.

    ``origin`` leaves room for items of other hubs and outside feeds. ``starts_at`` and
    ``ends_at`` index events and call occurrences for the dashboard and calendars.
    """

    __tablename__ = "hub_item"
    __table_args__ = (
        UniqueConstraint("hub_id", "object_uri", name="uq_hub_item"),
        Index("ix_hub_item_kind", "hub_id", "kind", "state", "id"),
        # the hub page's sections and lists, newest publication first (issue 9)
        Index("ix_hub_item_published", "hub_id", "kind", "state", "published_at", "id"),
        # /tags/NAME: every hub's published items by publication (migration 0029)
        Index("ix_hub_item_published_node", "state", "published_at", "id"),
        Index("ix_hub_item_start", "hub_id", "starts_at"),
        Index("ix_hub_item_starts_at", "starts_at"),  # the node's calendar (every hub)
        Index("ix_hub_item_pinned", "hub_id", "pinned", "id"),  # the hub page's pinned
        Index("ix_hub_item_linked", "hub_id", "linked_from"),  # what one link brought
    )

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id")
    object_uri: str = Field(max_length=1024, index=True)
    kind: str = Field(max_length=16)  # update | minutes | event | call | poll | feed
    author_uri: str = Field(max_length=1024)
    origin: str = Field(default="local", max_length=16)  # local | remote | feed | linked
    state: str = Field(max_length=16)  # published | held | refused | hidden (linked)
    pinned: bool = False
    series_id: int | None = Field(default=None, foreign_key="call_series.id", index=True)
    starts_at: datetime | None = timestamp(nullable=True)
    ends_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    # when the object was published (never after it arrived here): the pages' order, so a
    # link's backfilled history goes below what is new; unset, it is ``created_at``
    published_at: datetime = Field(default=None, sa_column=Column(
        UTCDateTime(), nullable=False, default=_arrival))
    note: str | None = Field(default=None, sa_column=Column(Text))  # why held or refused
    # origin ``linked``: the linked hub (Group URI) whose Announce brought the item
    linked_from: str | None = Field(default=None, max_length=1024)
    # a notice Note's kind (node.hubs.hub.notices.NOTICE_KINDS), recorded where it was
    # made or from its ``noticeKind`` term; "" for any other item (migration 0030)
    notice_kind: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})


class CallSeries(TableModel, table=True):
    """A recurring conference call: an RRULE in an IANA timezone, materialised ahead."""

    __tablename__ = "call_series"

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    object_uri: str = Field(unique=True, max_length=1024)
    rrule: str = Field(max_length=500)
    timezone: str = Field(max_length=64)
    first_start: datetime = timestamp()  # the first occurrence, in UTC
    duration_minutes: int
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    cancelled_at: datetime | None = timestamp(nullable=True)


class PollVote(TableModel, table=True):
    """One actor's vote for one option of a Question: at most one per (poll, actor, option)."""

    __tablename__ = "poll_vote"
    __table_args__ = (UniqueConstraint("question_uri", "voter", "option", name="uq_poll_vote"),)

    id: int | None = Field(default=None, primary_key=True)
    question_uri: str = Field(max_length=1024, index=True)
    voter: str = Field(max_length=1024)
    option: str = Field(max_length=500)
    activity_id: str = Field(max_length=1024)
    voted_at: datetime = timestamp()


class EventAttendance(TableModel, table=True):
    """An RSVP: an actor who Joined an Event (FEP-8a8e), removed again by Leave."""

    __tablename__ = "event_attendance"
    __table_args__ = (UniqueConstraint("event_uri", "actor_uri", name="uq_event_attendance"),)

    id: int | None = Field(default=None, primary_key=True)
    event_uri: str = Field(max_length=1024, index=True)
    actor_uri: str = Field(max_length=1024)
    activity_id: str = Field(max_length=1024)
    joined_at: datetime = timestamp()


class FeedSubscription(TableModel, table=True):
    """An outside RSS, Atom or iCalendar feed a hub republishes, polled with conditional GET."""

    __tablename__ = "feed_subscription"
    __table_args__ = (UniqueConstraint("hub_id", "url", name="uq_feed_subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    url: str = Field(max_length=1024)
    title: str = Field(default="", max_length=500)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    next_poll_at: datetime = timestamp(index=True)
    last_polled_at: datetime | None = timestamp(nullable=True)
    failures: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = timestamp()
    # Set when the hub unsubscribes: the row (and the entries it has seen) stay, so a
    # later subscription to the same feed does not republish what went out before.
    unsubscribed_at: datetime | None = timestamp(nullable=True)


class FeedEntry(TableModel, table=True):
    """An entry already republished from a feed: each goes out once (a calendar event
    is then kept in step with its source, see :mod:`node.hubs.feeds.events`)."""

    __tablename__ = "feed_entry"
    __table_args__ = (UniqueConstraint("subscription_id", "entry_key", name="uq_feed_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="feed_subscription.id", index=True)
    entry_key: str = Field(max_length=1024)
    object_uri: str = Field(max_length=1024)
    seen_at: datetime = timestamp()
    digest: str | None = Field(default=None, max_length=64)  # a calendar event's last source


class HubSource(TableModel, table=True):
    """A fediverse actor a hub follows as a source (issue 9 item 3): a Mobilizon group,
    a Gancio instance, a Mastodon account, a Lemmy community. The hub's ``follow`` row
    holds the state (pending, accepted, rejected); this row tells a source from a
    linked hub, so the "Linked hubs" list and the cards name each for what it is."""

    __tablename__ = "hub_source"
    __table_args__ = (UniqueConstraint("hub_id", "actor_uri", name="uq_hub_source"),)

    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id")
    actor_uri: str = Field(max_length=1024, index=True)
    created_at: datetime = timestamp()
