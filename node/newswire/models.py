"""Tables of the newswire: news, its moderators, the Code of Conduct's versions, the
public moderation log and the per-address submission count.

Approved news is published as an ``Article`` in ``stored_object``; ``news_item`` keeps
what the form received (the contact e-mail only here, never published) and its state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field

from node.columns import TableModel, timestamp


class NewsItem(TableModel, table=True):
    """One submission and its state: waiting, approved (with its Article) or rejected."""

    __tablename__ = "news_item"
    # the front page: approved news by approval time; the queue: waiting news by id
    __table_args__ = (Index("ix_news_item_state", "state", "decided_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=128)  # SHA-256 of the tracking token
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))  # Markdown as typed
    links: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    source_url: str = Field(default="", max_length=1024)
    submitter_name: str = Field(default="", max_length=100)
    contact_email: str = Field(default="", max_length=254)  # never published
    state: str = Field(max_length=16)  # waiting | approved | rejected | merged | ...
    edited: bool = False
    object_uri: str | None = Field(default=None, max_length=1024)
    clause: str = Field(default="", max_length=300)  # the clause a rejection cites
    merged_into: int | None = None  # state merged: the news item this one duplicates
    # a submission from the fediverse: who sent it, where to reply, and the object it was
    submitter_actor: str = Field(default="", max_length=1024)
    submitter_handle: str = Field(default="", max_length=300)  # @user@host
    submitter_inbox: str = Field(default="", max_length=1024)
    submitted_object: str | None = Field(default=None, max_length=1024, unique=True)
    submitted_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(nullable=True)


class NewsModerator(TableModel, table=True):
    """An account given the news-moderator role (node admins have it without a row)."""

    __tablename__ = "news_moderator"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", unique=True)
    added_at: datetime = timestamp()


class ConductVersion(TableModel, table=True):
    """One version of the Code of Conduct or the Principles of Accountability; every
    version is kept and published."""

    __tablename__ = "news_conduct"
    __table_args__ = (UniqueConstraint("document", "version", name="uq_news_conduct"),)

    id: int | None = Field(default=None, primary_key=True)
    document: str = Field(max_length=16)  # conduct | accountability
    version: int
    markdown: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = timestamp()


class NewsLogEntry(TableModel, table=True):
    """A public moderation decision: what, when, which clause, which moderator role."""

    __tablename__ = "news_log"

    id: int | None = Field(default=None, primary_key=True)
    # None for a decision on no news item: a report or a block (issue 10 items 7, 8)
    item_id: int | None = Field(default=None, foreign_key="news_item.id", index=True)
    # a decision on a report (node/newswire/reports) names the report, not a news item
    report_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=16)  # approved | edited | rejected | dismissed | blocked ...
    title: str = Field(max_length=200)
    clause: str = Field(default="", max_length=300)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    role: str = Field(max_length=16)  # admin | moderator
    at: datetime = timestamp()


class NewsSubmitAttempt(TableModel, table=True):
    """A stored submission, counted against its client address (never its contact)."""

    __tablename__ = "news_submit_attempt"

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=64, index=True)
    at: datetime = timestamp()
