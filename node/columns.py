"""Column helpers shared by the model modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, always written in UTC.

    SQLite has no timezone type: SQLAlchemy writes the wall time and drops the offset,
    so ``18:15-06:00`` would be stored as 18:15 and sort before ``19:00Z`` (00:15Z the
    next day). Converting every value to UTC before it is written (a naive value is
    taken as UTC already) makes both backends store, compare and order the same instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or not isinstance(value, datetime) or value.tzinfo is None:
            return value
        return value.astimezone(UTC)


def timestamp(nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp column stored in UTC (required unless ``nullable``)."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )
