"""The ``news_report`` table: one report, from the web form, the command line or another
server's ``Flag``, and its outcome.

What the public may ever see of a report is its decision in the moderation log
(``news_log.report_id``): never ``reporter_account_id``, ``reporter_actor`` or the
comment. Only the SHA-256 of a web reporter's tracking token is stored, as for news.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field

from node.columns import TableModel, timestamp


class NewsReport(TableModel, table=True):
    """A report on items and/or an account, and what the moderators decided."""

    __tablename__ = "news_report"
    __table_args__ = (Index("ix_news_report_state", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str | None = Field(default=None, unique=True, max_length=128)
    source: str = Field(max_length=16)  # web | cli | remote
    account_uri: str = Field(default="", max_length=1024)  # the reported account
    object_uris: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    kind: str = Field(max_length=16)  # item | news | remote | account
    label: str = Field(max_length=300)  # what was reported, as moderators and the log name it
    local: bool = False  # the reported content is this node's
    reason: str = Field(max_length=300)  # spam | illegal | other | a cited clause
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reporter_account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    reporter_actor: str = Field(default="", max_length=1024)  # a Flag's sender
    include_identity: bool = False
    flag_uri: str | None = Field(default=None, unique=True, max_length=1024)
    forwarded_to: str = Field(default="", max_length=1024)  # the inbox our Flag went to
    state: str = Field(max_length=16)  # open | dismissed | acted
    action: str = Field(default="", max_length=16)  # removed | forwarded
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(nullable=True)
