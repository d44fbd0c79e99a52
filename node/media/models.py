"""The ``media`` table: one row per uploaded image and the alt text it was given.

The files themselves are content-addressed (:mod:`node.media.store`); a row ties them
to who uploaded them (``owner_uri``, a local actor) and to what they show (``alt``,
federated as the image's ``name``). ``name`` is the largest variant's file name, the URL
a document links to, so a document's image URL finds its row again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field

from node.columns import TableModel, timestamp


class Media(TableModel, table=True):
    """An uploaded image: its variants (``[{name, width, height}]``, smallest first)."""

    __tablename__ = "media"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, index=True)
    owner_uri: str = Field(max_length=1024, index=True)
    alt: str = Field(default="", sa_column=Column(Text, nullable=False))
    media_type: str = Field(max_length=32)
    width: int
    height: int
    blurhash: str = Field(default="", max_length=64)
    variants: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    byte_size: int = 0
    created_at: datetime = timestamp()
