"""Tables of the digest: the digests, the e-mail subscribers and one mail row per
(digest, subscriber).

``news_digest_mail`` is the per-recipient record: unique on (digest, subscriber), so a
digest is queued once per subscriber however often queuing runs, and its state moves
``queued -> sending -> sent | bounced | failed`` (``sending -> queued`` on a 4xx). The
row also keeps when DATA began (``data_at``): see :mod:`node.newswire.digest.sending`
for why that makes the sending at most once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field

from node.columns import TableModel, UTCDateTime, timestamp


class NewsDigest(TableModel, table=True):
    """One digest: the period it gathers, its entries as they were then, its Article."""

    __tablename__ = "news_digest"

    id: int | None = Field(default=None, primary_key=True)
    # the scheduled time (or the moment of a manual run): one digest per slot
    slot_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, unique=True))
    period_start: datetime = timestamp()
    period_end: datetime = timestamp()
    title: str = Field(max_length=200)
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    object_uri: str = Field(default="", max_length=1024)
    created_at: datetime = timestamp()


class NewsSubscriber(TableModel, table=True):
    """An e-mail address and its consent: ``pending`` until the link in the confirmation
    mail is followed (only a SHA-256 of that one-time token is kept), then
    ``confirmed``; ``unsubscribed`` keeps the row so old mail rows still point at it."""

    __tablename__ = "news_subscriber"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    lang: str = Field(default="en", max_length=16)
    state: str = Field(max_length=16)  # pending | confirmed | unsubscribed
    confirm_hash: str | None = Field(default=None, unique=True, max_length=128)
    confirm_sent_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()
    confirmed_at: datetime | None = timestamp(nullable=True)
    unsubscribed_at: datetime | None = timestamp(nullable=True)


class DigestMail(TableModel, table=True):
    """One digest to one subscriber, and how sending it went."""

    __tablename__ = "news_digest_mail"
    __table_args__ = (
        UniqueConstraint("digest_id", "subscriber_id", name="uq_news_digest_mail"),
        Index("ix_news_digest_mail_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="news_digest.id", index=True)
    subscriber_id: int = Field(foreign_key="news_subscriber.id")
    state: str = Field(max_length=16)  # queued | sending | sent | failed | bounced
    attempts: int = 0
    due_at: datetime = timestamp()
    claimed_until: datetime | None = timestamp(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    data_at: datetime | None = timestamp(nullable=True)  # DATA began: never sent again
    sent_at: datetime | None = timestamp(nullable=True)
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
