"""The network newswire's one table: what the followed news sources sent, with origin."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from node.columns import TableModel, timestamp


class NetworkNews(TableModel, table=True):
    """A Note or Article by a news source ``@news`` follows (or Announced by one), once
    per object id. The object itself is a ``stored_object`` row: edits and deletes of
    the original reach it there."""

    __tablename__ = "news_network_item"

    id: int | None = Field(default=None, primary_key=True)
    object_uri: str = Field(unique=True, max_length=1024)
    object_type: str = Field(max_length=64)
    author_uri: str = Field(max_length=1024)
    author_handle: str = Field(default="", max_length=300)  # @user@host
    origin_host: str = Field(max_length=255)
    via: str = Field(max_length=1024)  # the followed source that sent or Announced it
    received_at: datetime = timestamp(index=True)
