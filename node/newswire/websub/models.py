"""The WebSub pings waiting to be sent: a job table (:mod:`node.jobs`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from node.columns import TableModel, timestamp


class WebSubPing(TableModel, table=True):
    """One notification of a WebSub hub that a feed (the topic) changed.

    Written in the transaction that changed the feed (an approval, a pick), sent by a
    worker (:func:`node.newswire.websub.service.send_due`), retried with backoff.
    """

    __tablename__ = "websub_ping"
    __table_args__ = (Index("ix_websub_ping_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    hub_url: str = Field(max_length=1024)
    topic_url: str = Field(max_length=1024)
    state: str = Field(max_length=16)  # queued | claimed | sent | failed
    attempts: int = 0
    due_at: datetime = timestamp()
    claimed_until: datetime | None = timestamp(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = timestamp()
    sent_at: datetime | None = timestamp(nullable=True)
